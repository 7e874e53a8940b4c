//go:build android && cgo

package nfc

// Android's NFC through JNI. The app takes taps itself while it is in front (NfcAdapter.enableReaderMode, NFC-A/B/F,
// no NDEF check): no other app (a JPKI app, a wallet) gets the card and no activity is started per tap. Reader mode
// needs a NfcAdapter.ReaderCallback object, which JNI alone cannot make: the one Java class
// jp.mykeyterm.nfc.Reader (cardio/nfc/fyneglue/java, its onTagDiscovered declared native) is loaded from its dex
// with InMemoryDexClassLoader (API 26) and its native method is registered here (mk_on_tag). A tag whose IsoDep is
// connected goes to the Source as a card; another card (a transit card) as DiscoveredOther. Every JNI call runs on a
// thread attached to the VM for the call only, inside a local frame (no local reference outlives its call).

/*
#cgo LDFLAGS: -landroid
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// The Go side of a tap (reader_android.go).
extern void goNfcTag(jobject iso);
extern void goNfcOther(void);

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

static int mk_timeout_ms = 2000;
static jobject mk_callback = NULL; // global reference to the jp.mykeyterm.nfc.Reader instance

// mk_on_tag is jp.mykeyterm.nfc.Reader.onTagDiscovered (a binder thread of the NFC service, already attached).
static void JNICALL mk_on_tag(JNIEnv* env, jobject self, jobject tag) {
	if ((*env)->PushLocalFrame(env, 16) != 0) { mk_failed(env); return; }
	jclass isoCls = (*env)->FindClass(env, "android/nfc/tech/IsoDep");
	if (mk_failed(env) || isoCls == NULL) goto done;
	jmethodID get = (*env)->GetStaticMethodID(env, isoCls, "get", "(Landroid/nfc/Tag;)Landroid/nfc/tech/IsoDep;");
	jobject iso = (*env)->CallStaticObjectMethod(env, isoCls, get, tag);
	if (mk_failed(env) || iso == NULL) { goNfcOther(); goto done; } // not ISO 14443-4: a transit card, a FeliCa card
	jmethodID connect = (*env)->GetMethodID(env, isoCls, "connect", "()V");
	jmethodID setTimeout = (*env)->GetMethodID(env, isoCls, "setTimeout", "(I)V");
	(*env)->CallVoidMethod(env, iso, connect);
	if (mk_failed(env)) goto done; // taken away at once: the next tap is awaited
	(*env)->CallVoidMethod(env, iso, setTimeout, (jint)mk_timeout_ms);
	if (mk_failed(env)) goto done;
	jobject g = (*env)->NewGlobalRef(env, iso);
	if (g != NULL) goNfcTag(g);
done:
	(*env)->PopLocalFrame(env, NULL);
}

// mk_nfc_state: 0 NFC on, 1 no NFC on this phone, 2 NFC switched off, -1 a JNI failure.
static int mk_nfc_state(uintptr_t vm, uintptr_t activity) {
	int attached, ret = -1;
	JNIEnv* env = mk_env(vm, &attached);
	if (env == NULL) return -1;
	if ((*env)->PushLocalFrame(env, 8) != 0) { mk_failed(env); mk_detach(vm, attached); return -1; }
	jclass adCls = (*env)->FindClass(env, "android/nfc/NfcAdapter");
	if (mk_failed(env) || adCls == NULL) goto done;
	jmethodID getDef = (*env)->GetStaticMethodID(env, adCls, "getDefaultAdapter", "(Landroid/content/Context;)Landroid/nfc/NfcAdapter;");
	jobject ad = (*env)->CallStaticObjectMethod(env, adCls, getDef, (jobject)activity);
	if (mk_failed(env)) goto done;
	if (ad == NULL) { ret = 1; goto done; }
	jmethodID isEnabled = (*env)->GetMethodID(env, adCls, "isEnabled", "()Z");
	jboolean on = (*env)->CallBooleanMethod(env, ad, isEnabled);
	if (mk_failed(env)) goto done;
	ret = on ? 0 : 2;
done:
	(*env)->PopLocalFrame(env, NULL);
	mk_detach(vm, attached);
	return ret;
}

// mk_reader_mode loads jp.mykeyterm.nfc.Reader from dex (once), registers its native method and enables reader mode
// for the activity with it. Returns 0, 1 without NFC, -1 on a JNI failure (class not loaded, method not found).
static int mk_reader_mode(uintptr_t vm, uintptr_t activity, const void* dex, int n, int flags, int timeout_ms) {
	int attached, ret = -1;
	JNIEnv* env = mk_env(vm, &attached);
	if (env == NULL) return -1;
	if ((*env)->PushLocalFrame(env, 32) != 0) { mk_failed(env); mk_detach(vm, attached); return -1; }
	mk_timeout_ms = timeout_ms;
	jobject act = (jobject)activity;
	if (mk_callback == NULL) {
		jbyteArray arr = (*env)->NewByteArray(env, n);
		if (arr == NULL) { mk_failed(env); goto done; }
		(*env)->SetByteArrayRegion(env, arr, 0, n, (const jbyte*)dex);
		jclass bbCls = (*env)->FindClass(env, "java/nio/ByteBuffer");
		if (mk_failed(env) || bbCls == NULL) goto done;
		jmethodID wrap = (*env)->GetStaticMethodID(env, bbCls, "wrap", "([B)Ljava/nio/ByteBuffer;");
		jobject buf = (*env)->CallStaticObjectMethod(env, bbCls, wrap, arr);
		if (mk_failed(env) || buf == NULL) goto done;
		jclass actCls = (*env)->GetObjectClass(env, act);
		jmethodID getCL = (*env)->GetMethodID(env, actCls, "getClassLoader", "()Ljava/lang/ClassLoader;");
		jobject parent = (*env)->CallObjectMethod(env, act, getCL);
		if (mk_failed(env)) goto done;
		jclass imCls = (*env)->FindClass(env, "dalvik/system/InMemoryDexClassLoader");
		if (mk_failed(env) || imCls == NULL) goto done;
		jmethodID imNew = (*env)->GetMethodID(env, imCls, "<init>", "(Ljava/nio/ByteBuffer;Ljava/lang/ClassLoader;)V");
		jobject loader = (*env)->NewObject(env, imCls, imNew, buf, parent);
		if (mk_failed(env) || loader == NULL) goto done;
		jclass clCls = (*env)->FindClass(env, "java/lang/ClassLoader");
		jmethodID loadClass = (*env)->GetMethodID(env, clCls, "loadClass", "(Ljava/lang/String;)Ljava/lang/Class;");
		jstring name = (*env)->NewStringUTF(env, "jp.mykeyterm.nfc.Reader");
		jclass readerCls = (jclass)(*env)->CallObjectMethod(env, loader, loadClass, name);
		if (mk_failed(env) || readerCls == NULL) goto done;
		JNINativeMethod m = {"onTagDiscovered", "(Landroid/nfc/Tag;)V", (void*)mk_on_tag};
		if ((*env)->RegisterNatives(env, readerCls, &m, 1) != 0) { mk_failed(env); goto done; }
		jmethodID rNew = (*env)->GetMethodID(env, readerCls, "<init>", "()V");
		jobject cb = (*env)->NewObject(env, readerCls, rNew);
		if (mk_failed(env) || cb == NULL) goto done;
		mk_callback = (*env)->NewGlobalRef(env, cb);
		if (mk_callback == NULL) goto done;
	}
	jclass adCls = (*env)->FindClass(env, "android/nfc/NfcAdapter");
	if (mk_failed(env) || adCls == NULL) goto done;
	jmethodID getDef = (*env)->GetStaticMethodID(env, adCls, "getDefaultAdapter", "(Landroid/content/Context;)Landroid/nfc/NfcAdapter;");
	jobject ad = (*env)->CallStaticObjectMethod(env, adCls, getDef, act);
	if (mk_failed(env)) goto done;
	if (ad == NULL) { ret = 1; goto done; }
	jmethodID enable = (*env)->GetMethodID(env, adCls, "enableReaderMode", "(Landroid/app/Activity;Landroid/nfc/NfcAdapter$ReaderCallback;ILandroid/os/Bundle;)V");
	(*env)->CallVoidMethod(env, ad, enable, act, mk_callback, (jint)flags, (jobject)NULL);
	if (mk_failed(env)) goto done;
	ret = 0;
done:
	(*env)->PopLocalFrame(env, NULL);
	mk_detach(vm, attached);
	return ret;
}

// mk_transceive sends cmd and copies the response into resp (cap bytes); returns its length, -1 when the tag is
// lost (TagLostException or IOException), -2 on another failure or a response longer than cap.
static int mk_transceive(uintptr_t vm, jobject iso, const void* cmd, int n, void* resp, int cap) {
	int attached;
	JNIEnv* env = mk_env(vm, &attached);
	if (env == NULL) return -2;
	int ret = -2;
	if ((*env)->PushLocalFrame(env, 8) != 0) { mk_failed(env); mk_detach(vm, attached); return -2; }
	jclass isoCls = (*env)->GetObjectClass(env, iso);
	jmethodID tr = (*env)->GetMethodID(env, isoCls, "transceive", "([B)[B");
	jbyteArray in = (*env)->NewByteArray(env, n);
	(*env)->SetByteArrayRegion(env, in, 0, n, (const jbyte*)cmd);
	jbyteArray out = (jbyteArray)(*env)->CallObjectMethod(env, iso, tr, in);
	if (mk_failed(env) || out == NULL) {
		ret = -1;
	} else {
		jsize len = (*env)->GetArrayLength(env, out);
		if (len <= cap) {
			(*env)->GetByteArrayRegion(env, out, 0, len, (jbyte*)resp);
			ret = (int)len;
		}
	}
	(*env)->PopLocalFrame(env, NULL);
	mk_detach(vm, attached);
	return ret;
}

static void mk_close(uintptr_t vm, jobject iso) {
	int attached;
	JNIEnv* env = mk_env(vm, &attached);
	if (env == NULL) return;
	if ((*env)->PushLocalFrame(env, 4) == 0) {
		jclass isoCls = (*env)->GetObjectClass(env, iso);
		jmethodID cl = (*env)->GetMethodID(env, isoCls, "close", "()V");
		(*env)->CallVoidMethod(env, iso, cl);
		mk_failed(env);
		(*env)->PopLocalFrame(env, NULL);
	} else {
		mk_failed(env);
	}
	(*env)->DeleteGlobalRef(env, iso);
	mk_detach(vm, attached);
}
*/
import "C"

import (
	"context"
	"errors"
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

// Reader-mode flags (android.nfc.NfcAdapter): NFC-A and NFC-B (the My Number Card is type B; a bank card type A),
// NFC-F so a transit card is answered too, and no NDEF check (it would talk to the card before the app does).
const (
	flagReaderNFCA          = 0x1
	flagReaderNFCB          = 0x2
	flagReaderNFCF          = 0x4
	flagReaderSkipNDEFCheck = 0x80
	readerFlags             = flagReaderNFCA | flagReaderNFCB | flagReaderNFCF | flagReaderSkipNDEFCheck
)

// EnableReaderMode makes the app take every tap while activity is in front (Android keeps the mode across pauses and
// resumes of the activity): each IsoDep tag is handed to src as a card, any other card as DiscoveredOther. dex is
// jp.mykeyterm.nfc.Reader compiled for Android (cardio/nfc/fyneglue). vm and activity are Fyne's
// driver.AndroidContext VM and Ctx. Calling it again only enables the mode again.
func EnableReaderMode(src *Source, vm, activity uintptr, dex []byte) error {
	if len(dex) == 0 {
		return errors.New("nfc: the reader class (dex) is missing from the build")
	}
	setReaderSource(src, vm)
	switch C.mk_reader_mode(C.uintptr_t(vm), C.uintptr_t(activity), unsafe.Pointer(&dex[0]), C.int(len(dex)), C.int(readerFlags), C.int(TagTimeout.Milliseconds())) {
	case 0:
		return nil
	case 1:
		return ErrNoNFC
	}
	return errors.New("nfc: enabling reader mode failed")
}

// NFCState says whether the phone has NFC and it is switched on: nil, ErrNoNFC or ErrNFCOff.
func NFCState(vm, activity uintptr) error {
	switch C.mk_nfc_state(C.uintptr_t(vm), C.uintptr_t(activity)) {
	case 0:
		return nil
	case 1:
		return ErrNoNFC
	case 2:
		return ErrNFCOff
	}
	return errors.New("nfc: reading the NFC state failed")
}
