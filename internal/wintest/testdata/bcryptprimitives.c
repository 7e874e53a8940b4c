/* TEST ONLY, never shipped: wine 8.0 has no bcryptprimitives.dll, and every Go >= 1.22 Windows program needs its
 * ProcessPrng. This forwards it to advapi32's RtlGenRandom (SystemFunction036). The wine tests copy it into the test
 * prefix's system32 (see ../../../docs/windows.md and /work/shared/notes/windows-under-wine-facts.md). */
#include <windows.h>

typedef BOOLEAN(WINAPI *rtlgenrandom)(PVOID, ULONG);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
	static rtlgenrandom gen;
	if (!gen) {
		HMODULE h = LoadLibraryA("advapi32.dll");
		if (!h) return FALSE;
		gen = (rtlgenrandom)GetProcAddress(h, "SystemFunction036");
		if (!gen) return FALSE;
	}
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!gen(data, n)) return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
