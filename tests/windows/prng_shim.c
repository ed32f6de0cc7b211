/* TEST-ONLY stand-in for Windows 10's bcryptprimitives.dll, which Wine 8 lacks. Rust's std
 * (>= 1.78) imports ProcessPrng from it, so without this file next to the test host LoadLibrary
 * of the add-in fails with error 126. Real Windows has the DLL: this is never shipped.
 * Same contract as the real one: fill the buffer with random bytes, always TRUE. */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
