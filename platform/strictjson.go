package platform

// Strict request JSON: encoding/json keeps the last of duplicate keys ("points":1,"points":999 debits 999) and
// matches field names case-insensitively ("POINTS" sets Points), so what a proxy, a log or an audit reads can differ
// from what the server acts on. checkStrictJSON refuses both before the body is decoded.

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"sync"
)

var (
	errDupKey      = errors.New("duplicate key")
	errCaseFolded  = errors.New("key differs from a field name only in case")
	fieldNameCache sync.Map // reflect.Type → map[string]bool (exact JSON names of every struct reachable from it)
)

// jsonNames returns the exact JSON field names of every struct type reachable from t.
func jsonNames(t reflect.Type) map[string]bool {
	if v, ok := fieldNameCache.Load(t); ok {
		return v.(map[string]bool)
	}
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
	fieldNameCache.Store(t, names)
	return names
}

// checkStrictJSON walks raw and refuses a key that appears twice in one object (also when the two differ only in
// case) and a key that is not a field name of v's types but equals one when case is ignored.
func checkStrictJSON(raw []byte, v any) error {
	names := jsonNames(reflect.TypeOf(v))
	folded := map[string]bool{}
	for n := range names {
		folded[strings.ToLower(n)] = true
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	type frame struct {
		object bool
		keys   map[string]bool // case-folded keys seen in this object
		wantK  bool            // the next token of this object is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.wantK {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].wantK = true
				}
				continue
			}
			k, _ := tok.(string)
			lk := strings.ToLower(k)
			if top.keys[lk] {
				return errDupKey
			}
			top.keys[lk] = true
			if !names[k] && folded[lk] {
				return errCaseFolded
			}
			top.wantK = false
			continue
		}
		switch d, _ := tok.(json.Delim); d {
		case '{':
			stack = append(stack, &frame{object: true, keys: map[string]bool{}, wantK: true})
			continue
		case '[':
			stack = append(stack, &frame{})
			continue
		case ']':
			stack = stack[:len(stack)-1]
		}
		// A value ended (scalar, or a closed array): the enclosing object wants a key next.
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].wantK = true
		}
	}
}
