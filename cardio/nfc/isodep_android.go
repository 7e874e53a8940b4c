//go:build android && cgo

package nfc

// Android's IsoDep through JNI: the tag a tap delivered to the activity's intent (android.nfc.extra.TAG) is opened
// with IsoDep.get + connect, and each APDU (already checked by cardio.Guard in card.Transmit) goes through
// IsoDep.transceive. Every JNI call runs on a thread attached to the VM for the call only.

/*
#cgo LDFLAGS: -landroid
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static JNIEnv* mk_env(uintptr_t vm, int* attached) {
	JavaVM* jvm = (JavaVM*)vm;
	JNIEnv* env = NULL;
	*attached = 0;
	jint r = (*jvm)->GetEnv(jvm, (void**)&env, JNI_VERSION_1_6);
	if (r == JNI_EDETACHED) {
		if ((*jvm)->AttachCurrentThread(jvm, (void*)&env, NULL) != 0) return NULL;
		*attached = 1;
	} else if (r != JNI_OK) {
		return NULL;
	}
	return env;
}

static void mk_detach(uintptr_t vm, int attached) {
	if (attached) {
		JavaVM* jvm = (JavaVM*)vm;
		(*jvm)->DetachCurrentThread(jvm);
	}
}

static int mk_failed(JNIEnv* env) {
	if ((*env)->ExceptionCheck(env)) {
		(*env)->ExceptionClear(env);
		return 1;
	}
	return 0;
}

// mk_take_tag returns a global reference to the IsoDep of the tag in the activity's intent, connected, and replaces
// the intent so the same tap is not taken twice; 0 when the intent holds no tag. *err is set on a JNI failure.
static jobject mk_take_tag(uintptr_t vm, uintptr_t activity, int timeout_ms, int* err) {
	int attached;
	*err = 0;
	JNIEnv* env = mk_env(vm, &attached);
	if (env == NULL) { *err = 1; return 0; }
	jobject out = 0;
	jobject act = (jobject)activity;
	jclass actCls = (*env)->GetObjectClass(env, act);
	jmethodID getIntent = (*env)->GetMethodID(env, actCls, "getIntent", "()Landroid/content/Intent;");
	jobject intent = (*env)->CallObjectMethod(env, act, getIntent);
	if (mk_failed(env) || intent == NULL) goto done;
	jclass intentCls = (*env)->FindClass(env, "android/content/Intent");
	jmethodID getExtra = (*env)->GetMethodID(env, intentCls, "getParcelableExtra", "(Ljava/lang/String;)Landroid/os/Parcelable;");
	jstring key = (*env)->NewStringUTF(env, "android.nfc.extra.TAG");
	jobject tag = (*env)->CallObjectMethod(env, intent, getExtra, key);
	(*env)->DeleteLocalRef(env, key);
	if (mk_failed(env) || tag == NULL) goto done;
	// The tap is taken: an empty intent replaces it.
	jmethodID ctor = (*env)->GetMethodID(env, intentCls, "<init>", "()V");
	jobject empty = (*env)->NewObject(env, intentCls, ctor);
	jmethodID setIntent = (*env)->GetMethodID(env, actCls, "setIntent", "(Landroid/content/Intent;)V");
	(*env)->CallVoidMethod(env, act, setIntent, empty);
	if (mk_failed(env)) { *err = 1; goto done; }
	jclass isoCls = (*env)->FindClass(env, "android/nfc/tech/IsoDep");
	if (mk_failed(env) || isoCls == NULL) { *err = 1; goto done; }
	jmethodID get = (*env)->GetStaticMethodID(env, isoCls, "get", "(Landroid/nfc/Tag;)Landroid/nfc/tech/IsoDep;");
	jobject iso = (*env)->CallStaticObjectMethod(env, isoCls, get, tag);
	if (mk_failed(env) || iso == NULL) { *err = 2; goto done; } // not an ISO 14443-4 tag
	jmethodID setTimeout = (*env)->GetMethodID(env, isoCls, "setTimeout", "(I)V");
	jmethodID connect = (*env)->GetMethodID(env, isoCls, "connect", "()V");
	(*env)->CallVoidMethod(env, iso, connect);
	if (mk_failed(env)) { *err = 3; goto done; }
	(*env)->CallVoidMethod(env, iso, setTimeout, (jint)timeout_ms);
	if (mk_failed(env)) { *err = 3; goto done; }
	out = (*env)->NewGlobalRef(env, iso);
done:
	mk_detach(vm, attached);
	return out;
}

// mk_transceive sends cmd and copies the response into resp (cap bytes); returns its length, -1 when the tag is
// lost (TagLostException or IOException), -2 on another failure or a response longer than cap.
static int mk_transceive(uintptr_t vm, jobject iso, const void* cmd, int n, void* resp, int cap) {
	int attached;
	JNIEnv* env = mk_env(vm, &attached);
	if (env == NULL) return -2;
	int ret = -2;
	jclass isoCls = (*env)->GetObjectClass(env, iso);
	jmethodID tr = (*env)->GetMethodID(env, isoCls, "transceive", "([B)[B");
	jbyteArray in = (*env)->NewByteArray(env, n);
	(*env)->SetByteArrayRegion(env, in, 0, n, (const jbyte*)cmd);
	jbyteArray out = (jbyteArray)(*env)->CallObjectMethod(env, iso, tr, in);
	(*env)->DeleteLocalRef(env, in);
	if (mk_failed(env) || out == NULL) {
		ret = -1;
	} else {
		jsize len = (*env)->GetArrayLength(env, out);
		if (len <= cap) {
			(*env)->GetByteArrayRegion(env, out, 0, len, (jbyte*)resp);
			ret = (int)len;
		}
		(*env)->DeleteLocalRef(env, out);
	}
	mk_detach(vm, attached);
	return ret;
}

static void mk_close(uintptr_t vm, jobject iso) {
	int attached;
	JNIEnv* env = mk_env(vm, &attached);
	if (env == NULL) return;
	jclass isoCls = (*env)->GetObjectClass(env, iso);
	jmethodID cl = (*env)->GetMethodID(env, isoCls, "close", "()V");
	(*env)->CallVoidMethod(env, iso, cl);
	mk_failed(env);
	(*env)->DeleteGlobalRef(env, iso);
	mk_detach(vm, attached);
}
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
	"unsafe"
)

// isoDep is a connected IsoDep (a JNI global reference).
type isoDep struct {
	vm   uintptr
	mu   sync.Mutex
	ref  C.jobject
	done bool
}

// maxResponse is the longest APDU response IsoDep may return (extended length).
const maxResponse = 65538

func (t *isoDep) Transceive(ctx context.Context, apdu []byte) ([]byte, error) {
	if len(apdu) == 0 {
		return nil, errors.New("nfc: empty command")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return nil, ErrTagLost
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	resp := make([]byte, maxResponse)
	n := C.mk_transceive(C.uintptr_t(t.vm), t.ref, unsafe.Pointer(&apdu[0]), C.int(len(apdu)), unsafe.Pointer(&resp[0]), C.int(len(resp)))
	switch {
	case n == -1:
		return nil, ErrTagLost
	case n < 0:
		return nil, errors.New("nfc: IsoDep.transceive failed")
	}
	return resp[:n], nil
}

func (t *isoDep) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.done {
		t.done = true
		C.mk_close(C.uintptr_t(t.vm), t.ref)
	}
	return nil
}

// TagTimeout is IsoDep's transceive timeout: the JPKI certificate read is a few READ BINARY of 256 bytes.
var TagTimeout = 2 * time.Second

// TakeIntentTag hands the tag of the activity's current intent (the app opened or resumed by a tap, through the
// manifest's NFC intent filter) to src, if there is one. vm and activity are Fyne's driver.AndroidContext VM and
// Ctx. It reports whether a tag was taken.
func TakeIntentTag(src *Source, vm, activity uintptr) (bool, error) {
	var cerr C.int
	ref := C.mk_take_tag(C.uintptr_t(vm), C.uintptr_t(activity), C.int(TagTimeout.Milliseconds()), &cerr)
	switch cerr {
	case 1:
		return false, errors.New("nfc: JNI call failed")
	case 2:
		return false, fmt.Errorf("nfc: the tag is not an ISO 14443-4 (IsoDep) card")
	case 3:
		return false, ErrTagLost
	}
	if ref == 0 {
		return false, nil
	}
	src.Discovered(&isoDep{vm: vm, ref: ref})
	return true, nil
}
