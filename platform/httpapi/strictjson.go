package httpapi

// Strict request JSON: encoding/json keeps the last of duplicate keys ("points":1,"points":999 debits 999) and
// matches field names case-insensitively ("POINTS" sets Points), so what a proxy, a log or an audit reads can differ
// from what the server acts on. checkStrictJSON refuses both before the body is decoded.

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
)

var (
	errDupKey     = errors.New("duplicate key")
	errCaseFolded = errors.New("key differs from a field name only in case")
	errBadString  = errors.New("unterminated string")
)

// jsonNames returns the exact JSON field names of every struct type reachable from t (strictNamesOf caches them).
func jsonNames(t reflect.Type) map[string]bool {
	names := map[string]bool{}
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				walk(f.Type)
				continue
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			names[name] = true
			walk(f.Type)
		}
	}
	walk(t)
	return names
}

// strictNames is what checkStrictJSON needs of a request type: its exact JSON names (as a set and as a list).
type strictNames struct {
	exact map[string]bool
	list  [][]byte
}

var strictNameCache sync.Map // reflect.Type → *strictNames

func strictNamesOf(t reflect.Type) *strictNames {
	if v, ok := strictNameCache.Load(t); ok {
		return v.(*strictNames)
	}
	sn := &strictNames{exact: jsonNames(t)}
	for n := range sn.exact {
		sn.list = append(sn.list, []byte(n))
	}
	strictNameCache.Store(t, sn)
	return sn
}

// foldedLike reports whether key is not one of the names but equals one when case is ignored the way encoding/json
// matches field names (bytes.EqualFold: Unicode simple folding, so "ſtatus" matches "status" and the Kelvin sign
// matches "k").
func (sn *strictNames) foldedLike(key []byte) bool {
	if sn.exact[string(key)] {
		return false
	}
	for _, n := range sn.list {
		if bytes.EqualFold(key, n) {
			return true
		}
	}
	return false
}

// strictLinearKeys is how many keys of one object are compared pairwise before the check switches to a map.
const strictLinearKeys = 16

// checkStrictJSON scans raw once and refuses a key that appears twice in one object (also when the two differ only
// in case) and a key that is not a field name of v's types but equals one when case is ignored. It reads the bytes
// directly (no tokens, no allocation for keys without escapes): in an object, the string after '{' or ',' is a key,
// every other string is a value. It does not judge syntax: the decoder that runs after it refuses malformed JSON;
// on such input it may answer either way but never panics.
func checkStrictJSON(raw []byte, v any) error {
	sn := strictNamesOf(reflect.TypeOf(v))
	type frame struct {
		object   bool
		wantKey  bool
		keyStart int             // this object's keys are keys[keyStart:] while it has few
		folded   map[string]bool // case-folded keys, once the object has more than strictLinearKeys
	}
	var (
		stackBuf [8]frame
		stack    = stackBuf[:0]
		keysBuf  [32][]byte
		keys     = keysBuf[:0]
	)
	for i, n := 0, len(raw); i < n; {
		switch c := raw[i]; c {
		case '{':
			stack = append(stack, frame{object: true, wantKey: true, keyStart: len(keys)})
			i++
		case '[':
			stack = append(stack, frame{keyStart: len(keys)})
			i++
		case '}', ']':
			if len(stack) > 0 {
				keys = keys[:stack[len(stack)-1].keyStart]
				stack = stack[:len(stack)-1]
			}
			i++
		case ',':
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].wantKey = true
			}
			i++
		case '"':
			j, escaped := i+1, false
			for { // find the closing quote: the first '"' not escaped by a backslash
				q := bytes.IndexByte(raw[j:], '"')
				if q < 0 {
					return errBadString
				}
				if bs := bytes.IndexByte(raw[j:j+q], '\\'); bs >= 0 {
					escaped = true
					if j += bs + 2; j >= n { // the backslash and the byte it escapes
						return errBadString
					}
					continue
				}
				j += q
				break
			}
			if len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].wantKey {
				top := &stack[len(stack)-1]
				top.wantKey = false
				key := raw[i+1 : j]
				if escaped {
					var s string
					if err := json.Unmarshal(raw[i:j+1], &s); err != nil {
						return err
					}
					key = []byte(s)
				}
				if sn.foldedLike(key) {
					return errCaseFolded
				}
				if top.folded == nil {
					for _, k := range keys[top.keyStart:] {
						if bytes.EqualFold(k, key) {
							return errDupKey
						}
					}
					keys = append(keys, key)
					if len(keys)-top.keyStart > strictLinearKeys {
						top.folded = map[string]bool{}
						for _, k := range keys[top.keyStart:] {
							top.folded[foldKey(k)] = true
						}
						keys = keys[:top.keyStart]
					}
				} else {
					fk := foldKey(key)
					if top.folded[fk] {
						return errDupKey
					}
					top.folded[fk] = true
				}
			}
			i = j + 1
		default:
			i++
		}
	}
	return nil
}

// foldKey maps keys that bytes.EqualFold calls equal to one string (upper then lower case: "ſ" → "S" → "s",
// the Kelvin sign → "k").
func foldKey(k []byte) string {
	return strings.ToLower(strings.ToUpper(string(k)))
}
