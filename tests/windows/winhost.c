/* Windows test host for the add-in DLLs, run under Wine (scripts/check-windows.sh).
 *
 * It plays 1C: LoadLibrary, the five exports, then objects created, driven and destroyed through
 * their vtables. Every vtable is declared EXPLICITLY as a struct of function pointers with the
 * MSVC slot order (one scalar deleting destructor first) and conventions (ADDIN_API = __stdcall,
 * destructor = __thiscall on x86): a C++ class compiled by MinGW g++ would use the Itanium layout,
 * which is not what 1C (MSVC) uses. The host's own objects (memory manager, connection, IMsgBox,
 * IPlatformInfo, IAttachedInfo) are built the same way.
 *
 * Build flags that break the host on purpose, to show the run discriminates (check-windows.sh):
 *   -DWRONG_DTOR_CC  the destructor called as __stdcall instead of __thiscall (x86)
 *   -DWRONG_METHOD_CC  ADDIN_API methods called as __cdecl instead of __stdcall (x86)
 *   -DWRONG_VARIANT  a 64-byte tVariant (the Linux size) in parameter arrays
 *
 * With a third argument "shipped" it checks the library as it ships instead: AbiProbe does not
 * exist (GetClassObject answers 0), and the probe and destructor suites, which need it, are skipped.
 *
 * The local-time check runs in both modes: a sale with no date is dated by the add-in's clock, which
 * must follow the Windows time zone (scripts/check-windows.sh runs it at Moscow 01:30, when the
 * UTC date is still the day before).
 *
 * Prints "N passed, M failed" and exits 1 on any failure. */
#include <windows.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#ifndef __thiscall
#define __thiscall __attribute__((thiscall))
#endif

#ifdef WRONG_METHOD_CC
#define ADDIN_API __cdecl
#else
#define ADDIN_API __stdcall
#endif

#ifdef WRONG_DTOR_CC
#define DTOR_CC __stdcall
#elif defined(_WIN64)
#define DTOR_CC /* MS x64 has one convention */
#else
#define DTOR_CC __thiscall
#endif

typedef wchar_t WCHAR_T; /* 2 bytes on Windows, UTF-16 */

/* ---- tVariant (types.h), 48 bytes on both Windows targets -------------------------------- */
enum {
    VTYPE_EMPTY = 0, VTYPE_I4 = 3, VTYPE_R8 = 5, VTYPE_TM = 7, VTYPE_BOOL = 11, VTYPE_I8 = 17,
    VTYPE_PWSTR = 22,
};

typedef struct tVariant {
    union {
        int32_t lVal;
        int64_t llVal;
        double dblVal;
        bool bVal;
        struct tm tmVal;
        struct { char* pstrVal; uint32_t strLen; } str;
        struct { WCHAR_T* pwstrVal; uint32_t wstrLen; } wstr;
    } u;
    uint32_t cbElements;
    uint16_t vt;
#ifdef WRONG_VARIANT
    char linux_padding[16];
#endif
} tVariant;

#ifndef WRONG_VARIANT
_Static_assert(sizeof(tVariant) == 48, "tVariant is 48 bytes on Windows");
_Static_assert(offsetof(tVariant, vt) == 44, "vt at 44");
_Static_assert(offsetof(tVariant, cbElements) == 40, "cbElements at 40");
#endif
_Static_assert(sizeof(struct tm) == 36, "MSVC-compatible struct tm");

/* ---- Interfaces implemented by the add-in ------------------------------------------------ */
typedef void* (DTOR_CC* DtorFn)(void* self, unsigned flags);

typedef struct {
    DtorFn dtor;
    bool (ADDIN_API* Init)(void*, void* disp);
    bool (ADDIN_API* setMemManager)(void*, void* mem);
    long (ADDIN_API* GetInfo)(void*);
    void (ADDIN_API* Done)(void*);
} InitDoneVtbl;

typedef struct {
    DtorFn dtor;
    bool (ADDIN_API* RegisterExtensionAs)(void*, WCHAR_T**);
    long (ADDIN_API* GetNProps)(void*);
    long (ADDIN_API* FindProp)(void*, const WCHAR_T*);
    const WCHAR_T* (ADDIN_API* GetPropName)(void*, long, long);
    bool (ADDIN_API* GetPropVal)(void*, long, tVariant*);
    bool (ADDIN_API* SetPropVal)(void*, long, tVariant*);
    bool (ADDIN_API* IsPropReadable)(void*, long);
    bool (ADDIN_API* IsPropWritable)(void*, long);
    long (ADDIN_API* GetNMethods)(void*);
    long (ADDIN_API* FindMethod)(void*, const WCHAR_T*);
    const WCHAR_T* (ADDIN_API* GetMethodName)(void*, long, long);
    long (ADDIN_API* GetNParams)(void*, long);
    bool (ADDIN_API* GetParamDefValue)(void*, long, long, tVariant*);
    bool (ADDIN_API* HasRetVal)(void*, long);
    bool (ADDIN_API* CallAsProc)(void*, long, tVariant*, long);
    bool (ADDIN_API* CallAsFunc)(void*, long, tVariant*, tVariant*, long);
} LanguageExtenderVtbl;

typedef struct {
    DtorFn dtor;
    void (ADDIN_API* SetLocale)(void*, const WCHAR_T*);
} LocaleVtbl;

typedef struct {
    DtorFn dtor;
    void (ADDIN_API* SetUserInterfaceLanguageCode)(void*, const WCHAR_T*);
} UserLanguageVtbl;

_Static_assert(offsetof(LanguageExtenderVtbl, FindMethod) == 10 * sizeof(void*), "MSVC slot 10");
_Static_assert(offsetof(LanguageExtenderVtbl, CallAsFunc) == 16 * sizeof(void*), "MSVC slot 16");

/* The object as the host sees it: IComponentBase* = address of the first of four vptrs. Base k
 * is at k pointers; a call through base k passes that adjusted address as `this`. */
typedef void Component;
static void* base(Component* c, int k) { return (char*)c + k * sizeof(void*); }
static InitDoneVtbl* vt0(Component* c) { return *(InitDoneVtbl**)base(c, 0); }
static LanguageExtenderVtbl* vt1(Component* c) { return *(LanguageExtenderVtbl**)base(c, 1); }
static LocaleVtbl* vt2(Component* c) { return *(LocaleVtbl**)base(c, 2); }
static UserLanguageVtbl* vt3(Component* c) { return *(UserLanguageVtbl**)base(c, 3); }
#define INIT(c, m, ...) (vt0(c)->m(base(c, 0), ##__VA_ARGS__))
#define LANG(c, m, ...) (vt1(c)->m(base(c, 1), ##__VA_ARGS__))

/* ---- Host objects: memory manager ------------------------------------------------------- */
typedef struct MemoryManager MemoryManager;
typedef struct {
    void* (DTOR_CC* dtor)(MemoryManager*, unsigned);
    bool (ADDIN_API* AllocMemory)(MemoryManager*, void**, unsigned long);
    void (ADDIN_API* FreeMemory)(MemoryManager*, void**);
} MemoryManagerVtbl;

#define MAX_BLOCKS 4096
struct MemoryManager {
    const MemoryManagerVtbl* vptr;
    void* live[MAX_BLOCKS];
    int allocs, frees, bad_frees;
};

static void* DTOR_CC mm_dtor(MemoryManager* self, unsigned flags) { (void)flags; return self; }

static bool ADDIN_API mm_alloc(MemoryManager* self, void** p, unsigned long bytes) {
    if (!p) return false;
    for (int i = 0; i < MAX_BLOCKS; i++) {
        if (!self->live[i]) {
            self->live[i] = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, bytes ? bytes : 1);
            *p = self->live[i];
            self->allocs++;
            return *p != NULL;
        }
    }
    return false;
}

/* Freeing a block we never handed out, or one already freed, is counted as a failure. */
static void ADDIN_API mm_free(MemoryManager* self, void** p) {
    if (!p || !*p) return;
    for (int i = 0; i < MAX_BLOCKS; i++) {
        if (self->live[i] == *p) {
            HeapFree(GetProcessHeap(), 0, *p);
            self->live[i] = NULL;
            self->frees++;
            *p = NULL;
            return;
        }
    }
    self->bad_frees++;
}

static const MemoryManagerVtbl MM_VTBL = {mm_dtor, mm_alloc, mm_free};

static int mm_live(const MemoryManager* m) {
    int n = 0;
    for (int i = 0; i < MAX_BLOCKS; i++) n += m->live[i] != NULL;
    return n;
}

/* ---- Host objects: the small interfaces (no destructor slot) ------------------------------ */
typedef struct { const WCHAR_T* AppVersion; const WCHAR_T* UserAgentInformation; int Application; } AppInfo;

typedef struct MsgBox MsgBox;
typedef struct {
    bool (ADDIN_API* Confirm)(MsgBox*, const WCHAR_T*, tVariant*);
    bool (ADDIN_API* Alert)(MsgBox*, const WCHAR_T*);
} MsgBoxVtbl;
struct MsgBox { const MsgBoxVtbl* vptr; int alerts; WCHAR_T last[128]; };

static bool ADDIN_API mb_confirm(MsgBox* self, const WCHAR_T* text, tVariant* ret) {
    (void)self; (void)text;
    ret->vt = VTYPE_BOOL;
    ret->u.bVal = true;
    return true;
}
static bool ADDIN_API mb_alert(MsgBox* self, const WCHAR_T* text) {
    self->alerts++;
    wcsncpy(self->last, text ? text : L"", 127);
    return true;
}
static const MsgBoxVtbl MB_VTBL = {mb_confirm, mb_alert};

typedef struct PlatformInfo PlatformInfo;
typedef struct { const AppInfo* (ADDIN_API* GetPlatformInfo)(PlatformInfo*); } PlatformInfoVtbl;
struct PlatformInfo { const PlatformInfoVtbl* vptr; AppInfo info; };
static const AppInfo* ADDIN_API pi_get(PlatformInfo* self) { return &self->info; }
static const PlatformInfoVtbl PI_VTBL = {pi_get};

typedef struct AttachedInfo AttachedInfo;
typedef struct { int (ADDIN_API* GetAttachedInfo)(AttachedInfo*); } AttachedInfoVtbl;
struct AttachedInfo { const AttachedInfoVtbl* vptr; };
static int ADDIN_API ai_get(AttachedInfo* self) { (void)self; return 1; /* not isolated */ }
static const AttachedInfoVtbl AI_VTBL = {ai_get};

/* ---- Host objects: the connection (IAddInDefBaseEx) -------------------------------------- */
typedef struct Connection Connection;
typedef struct {
    void* (DTOR_CC* dtor)(Connection*, unsigned);
    bool (ADDIN_API* AddError)(Connection*, unsigned short, const WCHAR_T*, const WCHAR_T*, long);
    bool (ADDIN_API* Read)(Connection*, WCHAR_T*, tVariant*, long*, WCHAR_T**);
    bool (ADDIN_API* Write)(Connection*, WCHAR_T*, tVariant*);
    bool (ADDIN_API* RegisterProfileAs)(Connection*, WCHAR_T*);
    bool (ADDIN_API* SetEventBufferDepth)(Connection*, long);
    long (ADDIN_API* GetEventBufferDepth)(Connection*);
    bool (ADDIN_API* ExternalEvent)(Connection*, WCHAR_T*, WCHAR_T*, WCHAR_T*);
    void (ADDIN_API* CleanEventBuffer)(Connection*);
    bool (ADDIN_API* SetStatusLine)(Connection*, WCHAR_T*);
    void (ADDIN_API* ResetStatusLine)(Connection*);
    void* (ADDIN_API* GetInterface)(Connection*, int);
} ConnectionVtbl;
_Static_assert(offsetof(ConnectionVtbl, GetInterface) == 11 * sizeof(void*), "MSVC slot 11");

struct Connection {
    const ConnectionVtbl* vptr;
    int errors, events;
    unsigned short last_code;
    long last_scode, depth;
    WCHAR_T last_source[64], last_descr[512], last_event_data[256], status[256];
    MsgBox msgbox;
    PlatformInfo platform;
    AttachedInfo attached;
};

static void* DTOR_CC cn_dtor(Connection* self, unsigned flags) { (void)flags; return self; }
static bool ADDIN_API cn_add_error(Connection* self, unsigned short code, const WCHAR_T* source,
                                   const WCHAR_T* descr, long scode) {
    self->errors++;
    self->last_code = code;
    self->last_scode = scode;
    wcsncpy(self->last_source, source ? source : L"", 63);
    wcsncpy(self->last_descr, descr ? descr : L"", 511);
    return true;
}
static bool ADDIN_API cn_read(Connection* s, WCHAR_T* n, tVariant* v, long* e, WCHAR_T** d) {
    (void)s; (void)n; (void)v; (void)e; (void)d; return false;
}
static bool ADDIN_API cn_write(Connection* s, WCHAR_T* n, tVariant* v) { (void)s; (void)n; (void)v; return false; }
static bool ADDIN_API cn_register_profile(Connection* s, WCHAR_T* n) { (void)s; (void)n; return false; }
static bool ADDIN_API cn_set_depth(Connection* s, long d) { s->depth = d; return true; }
static long ADDIN_API cn_get_depth(Connection* s) { return s->depth; }
static bool ADDIN_API cn_event(Connection* s, WCHAR_T* src, WCHAR_T* msg, WCHAR_T* data) {
    (void)src; (void)msg;
    s->events++;
    wcsncpy(s->last_event_data, data ? data : L"", 255);
    return true;
}
static void ADDIN_API cn_clean(Connection* s) { (void)s; }
static bool ADDIN_API cn_status(Connection* s, WCHAR_T* t) { wcsncpy(s->status, t ? t : L"", 255); return true; }
static void ADDIN_API cn_reset_status(Connection* s) { s->status[0] = 0; }
static void* ADDIN_API cn_get_interface(Connection* s, int which) {
    switch (which) {
    case 0: return &s->msgbox;
    case 1: return &s->platform;
    case 2: return &s->attached;
    default: return NULL;
    }
}
static const ConnectionVtbl CN_VTBL = {
    cn_dtor, cn_add_error, cn_read, cn_write, cn_register_profile, cn_set_depth, cn_get_depth,
    cn_event, cn_clean, cn_status, cn_reset_status, cn_get_interface,
};

/* ---- Test plumbing ----------------------------------------------------------------------- */
static int passed, failed;
static MemoryManager mm = {&MM_VTBL, {0}, 0, 0, 0};
static Connection conn;

static void check(bool ok, const char* what) {
    if (ok) {
        passed++;
    } else {
        failed++;
        printf("FAIL: %s\n", what);
        fflush(stdout);
    }
}

static tVariant v_i4(int32_t x) { tVariant v; memset(&v, 0, sizeof v); v.vt = VTYPE_I4; v.u.lVal = x; return v; }
static tVariant v_r8(double x) { tVariant v; memset(&v, 0, sizeof v); v.vt = VTYPE_R8; v.u.dblVal = x; return v; }
/* A string as the platform passes it: its own memory (here: the memory manager's), no NUL counted. */
static tVariant v_str(const WCHAR_T* s) {
    tVariant v;
    memset(&v, 0, sizeof v);
    v.vt = VTYPE_PWSTR;
    v.u.wstr.wstrLen = (uint32_t)wcslen(s);
    void* p = NULL;
    mm_alloc(&mm, &p, (v.u.wstr.wstrLen + 1) * sizeof(WCHAR_T));
    memcpy(p, s, (v.u.wstr.wstrLen + 1) * sizeof(WCHAR_T));
    v.u.wstr.pwstrVal = p;
    return v;
}
/* Releases what a variant owns, as the platform does after a call. */
static void v_clear(tVariant* v) {
    if (v->vt == VTYPE_PWSTR && v->u.wstr.pwstrVal) {
        void* p = v->u.wstr.pwstrVal;
        mm_free(&mm, &p);
    }
    memset(v, 0, sizeof *v);
}
static bool v_is_str(const tVariant* v, const WCHAR_T* s) {
    return v->vt == VTYPE_PWSTR && v->u.wstr.pwstrVal && v->u.wstr.wstrLen == wcslen(s) &&
           memcmp(v->u.wstr.pwstrVal, s, wcslen(s) * sizeof(WCHAR_T)) == 0 &&
           v->u.wstr.pwstrVal[wcslen(s)] == 0;
}
/* A name the add-in allocated for us (RegisterExtensionAs, Get*Name): compare, then free it. */
static bool take_name(const WCHAR_T* got, const WCHAR_T* want) {
    bool ok = got && wcscmp(got, want) == 0;
    void* p = (void*)got;
    mm_free(&mm, &p);
    return ok;
}

typedef const WCHAR_T* (*GetClassNamesFn)(void);
typedef long (*GetClassObjectFn)(const WCHAR_T*, Component**);
typedef long (*DestroyObjectFn)(Component**);
typedef int (*SetPlatformCapabilitiesFn)(int);
typedef int (*GetAttachTypeFn)(void);
static GetClassObjectFn get_class_object;
static DestroyObjectFn destroy_object;

static Component* create(const WCHAR_T* cls, bool mem_first) {
    Component* c = NULL;
    long ok = get_class_object(cls, &c);
    check(ok == 1 && c != NULL, "GetClassObject creates the class");
    if (!c) return NULL;
    if (mem_first) check(INIT(c, setMemManager, &mm), "setMemManager (first)");
    check(INIT(c, Init, &conn), "Init");
    if (!mem_first) check(INIT(c, setMemManager, &mm), "setMemManager (second)");
    check(INIT(c, GetInfo) == 2000, "GetInfo is 2000");
    return c;
}

static long find_method(Component* c, const WCHAR_T* name) { return LANG(c, FindMethod, name); }

static int64_t live_probes(Component* c) {
    tVariant v;
    memset(&v, 0, sizeof v);
    long p = LANG(c, FindProp, L"Live");
    if (!LANG(c, GetPropVal, p, &v)) return -1;
    return v.vt == VTYPE_I4 ? v.u.lVal : -2;
}

/* ---- The AbiProbe class: every value type through the real ABI --------------------------- */
static void test_probe(void) {
    Component* c = create(L"AbiProbe", false);
    if (!c) return;
    WCHAR_T* ext = NULL;
    check(LANG(c, RegisterExtensionAs, &ext) && take_name(ext, L"AbiProbe"), "RegisterExtensionAs");

    /* Properties: lookup by either alias, any case; set and read back a Cyrillic string. */
    long text = LANG(c, FindProp, L"Text");
    check(text == 0 && LANG(c, FindProp, L"\x0422\x0415\x041a\x0421\x0422") == 0, "FindProp en/ru (ТЕКСТ)");
    check(LANG(c, FindProp, L"NoSuchProp") == -1, "FindProp unknown is -1");
    check(LANG(c, GetNProps) == 3, "GetNProps");
    check(take_name(LANG(c, GetPropName, text, 0), L"Text"), "GetPropName alias 0");
    check(take_name(LANG(c, GetPropName, text, 1), L"\x0422\x0435\x043a\x0441\x0442"), "GetPropName alias 1 (Текст)");
    check(LANG(c, IsPropReadable, text) && LANG(c, IsPropWritable, text), "Text is read/write");
    check(!LANG(c, IsPropWritable, 1) && !LANG(c, IsPropReadable, 99), "Locale read-only, 99 unknown");
    tVariant in = v_str(L"\x041f\x0440\x0438\x0432\x0435\x0442, Wine"); /* "Привет, Wine" */
    check(LANG(c, SetPropVal, text, &in), "SetPropVal Text");
    v_clear(&in);
    tVariant out;
    memset(&out, 0, sizeof out);
    check(LANG(c, GetPropVal, text, &out) && v_is_str(&out, L"\x041f\x0440\x0438\x0432\x0435\x0442, Wine"),
          "GetPropVal Text returns what was set (wstrLen without NUL)");
    v_clear(&out);

    /* Methods: numbers and strings in, numbers and strings out. */
    long sum = find_method(c, L"Sum");
    check(sum >= 0 && find_method(c, L"\x0441\x0443\x043c\x043c\x0430") == sum, "FindMethod Sum / сумма");
    check(LANG(c, GetNParams, sum) == 2 && LANG(c, HasRetVal, sum), "Sum: 2 params, returns");
    tVariant args[2] = {v_i4(40), v_i4(2)};
    memset(&out, 0, sizeof out);
    check(LANG(c, CallAsFunc, sum, &out, args, 2) && out.vt == VTYPE_I4 && out.u.lVal == 42, "Sum(40, 2) = 42");
    args[0] = v_i4(2147483647);
    args[1] = v_i4(1);
    memset(&out, 0, sizeof out);
    check(LANG(c, CallAsFunc, sum, &out, args, 2) && out.vt == VTYPE_R8 && out.u.dblVal == 2147483648.0,
          "Sum(2^31-1, 1) = 2^31 as R8");

    long echo = find_method(c, L"Echo");
    tVariant a = v_i4(-7);
    memset(&out, 0, sizeof out);
    check(LANG(c, CallAsFunc, echo, &out, &a, 1) && out.vt == VTYPE_I4 && out.u.lVal == -7, "Echo I4");
    a = v_r8(3.25);
    memset(&out, 0, sizeof out);
    check(LANG(c, CallAsFunc, echo, &out, &a, 1) && out.vt == VTYPE_R8 && out.u.dblVal == 3.25, "Echo R8");
    a = v_str(L"\x042d\x0445\x043e \x263a"); /* "Эхо ☺" */
    memset(&out, 0, sizeof out);
    check(LANG(c, CallAsFunc, echo, &out, &a, 1) && v_is_str(&out, L"\x042d\x0445\x043e \x263a"), "Echo PWSTR");
    check(out.u.wstr.pwstrVal != a.u.wstr.pwstrVal, "Echo PWSTR is a fresh host allocation");
    v_clear(&a);
    v_clear(&out);
    memset(&a, 0, sizeof a);
    a.vt = VTYPE_TM;
    a.u.tmVal.tm_year = 124; /* 2024-02-29 13:45:30 */
    a.u.tmVal.tm_mon = 1;
    a.u.tmVal.tm_mday = 29;
    a.u.tmVal.tm_hour = 13;
    a.u.tmVal.tm_min = 45;
    a.u.tmVal.tm_sec = 30;
    memset(&out, 0, sizeof out);
    check(LANG(c, CallAsFunc, echo, &out, &a, 1) && out.vt == VTYPE_TM && out.u.tmVal.tm_year == 124 &&
              out.u.tmVal.tm_mon == 1 && out.u.tmVal.tm_mday == 29 && out.u.tmVal.tm_hour == 13 &&
              out.u.tmVal.tm_min == 45 && out.u.tmVal.tm_sec == 30 && out.u.tmVal.tm_wday == 4,
          "Echo TM (weekday filled: Thursday)");

    /* In/out parameter: the add-in frees the old string exactly once, then writes an I4. */
    long set_out = find_method(c, L"SetOut");
    tVariant io[2] = {v_str(L"old value"), v_i4(5)};
    int frees_before = mm.frees;
    check(LANG(c, CallAsProc, set_out, io, 2) && io[0].vt == VTYPE_I4 && io[0].u.lVal == 5,
          "SetOut writes the in/out parameter");
    check(mm.frees == frees_before + 1 && mm.bad_frees == 0, "SetOut freed the old string once");

    /* Default parameter value. */
    long greet = find_method(c, L"Greet");
    memset(&out, 0, sizeof out);
    check(LANG(c, GetParamDefValue, greet, 1, &out) && v_is_str(&out, L"\x041f\x0440\x0438\x0432\x0435\x0442"),
          "GetParamDefValue Greet.2 = Привет");
    v_clear(&out);
    memset(&out, 0, sizeof out);
    out.vt = VTYPE_I4;
    check(!LANG(c, GetParamDefValue, greet, 0, &out) && out.vt == VTYPE_EMPTY, "no default: false + EMPTY");

    /* Host services through GetInterface and the connection. */
    a = v_str(L"ping");
    memset(&out, 0, sizeof out);
    check(LANG(c, CallAsFunc, find_method(c, L"Alert"), &out, &a, 1) && out.vt == VTYPE_BOOL && out.u.bVal &&
              conn.msgbox.alerts == 1 && wcscmp(conn.msgbox.last, L"ping") == 0,
          "Alert reaches IMsgBox");
    v_clear(&a);
    memset(&out, 0, sizeof out);
    check(LANG(c, CallAsFunc, find_method(c, L"PlatformVersion"), &out, NULL, 0) && v_is_str(&out, L"8.3.25.1000"),
          "PlatformVersion reads IPlatformInfo's AppInfo");
    v_clear(&out);
    memset(&out, 0, sizeof out);
    check(LANG(c, CallAsFunc, find_method(c, L"AttachedInfo"), &out, NULL, 0) && out.vt == VTYPE_I4 && out.u.lVal == 1,
          "AttachedInfo reads IAttachedInfo");
    a = v_str(L"payload");
    memset(&out, 0, sizeof out);
    check(LANG(c, CallAsFunc, find_method(c, L"Event"), &out, &a, 1) && conn.events == 1 &&
              wcscmp(conn.last_event_data, L"payload") == 0 && conn.depth == 16 && wcscmp(conn.status, L"payload") == 0,
          "Event: SetEventBufferDepth, SetStatusLine, ExternalEvent");
    v_clear(&a);

    /* A panic inside the add-in: the process survives, the error is reported. */
    int errors_before = conn.errors;
    check(!LANG(c, CallAsProc, find_method(c, L"Panic"), NULL, 0), "Panic returns false");
    check(conn.errors == errors_before + 1 && conn.last_code == 1006 && wcsstr(conn.last_descr, L"panic") != NULL,
          "Panic reported through AddError(1006)");
    /* A failing method: AddError with the message, false. */
    a = v_str(L"bad thing");
    memset(&out, 0, sizeof out);
    check(!LANG(c, CallAsFunc, find_method(c, L"Fail"), &out, &a, 1) && wcscmp(conn.last_descr, L"bad thing") == 0 &&
              conn.last_scode == 1 && wcscmp(conn.last_source, L"AbiProbe") == 0,
          "Fail: AddError(source, message, scode 1) + false");
    v_clear(&a);

    /* SetLocale through vptr 2 and SetUserInterfaceLanguageCode through vptr 3 (this adjusted). */
    vt2(c)->SetLocale(base(c, 2), L"rus_RUS");
    memset(&out, 0, sizeof out);
    check(LANG(c, GetPropVal, 1, &out) && v_is_str(&out, L"rus_RUS"), "SetLocale via LocaleBase");
    v_clear(&out);
    vt3(c)->SetUserInterfaceLanguageCode(base(c, 3), L"en");
    memset(&out, 0, sizeof out);
    check(LANG(c, GetPropVal, 1, &out) && v_is_str(&out, L"ui:en"), "SetUserInterfaceLanguageCode via UserLanguageBase");
    v_clear(&out);

    INIT(c, Done);
    check(destroy_object(&c) == 0 && c == NULL, "DestroyObject returns 0 and clears the pointer");
}

/* ---- Destruction paths: DestroyObject and the MSVC scalar deleting destructor ------------ */
static void test_destructors(void) {
    Component* keeper = create(L"AbiProbe", true);
    Component* a = create(L"AbiProbe", true);
    if (!keeper || !a) return;
    check(live_probes(keeper) == 2, "two probes alive");

    /* Deleting destructor, slot 0 of vptr 0, flags=1: __thiscall on x86, MS x64 elsewhere. */
    void* r = vt0(a)->dtor(base(a, 0), 1);
    check(r == base(a, 0), "scalar deleting destructor returns this");
    check(live_probes(keeper) == 1, "deleting destructor (vptr 0) dropped the component");

    /* Through a secondary base (vptr 1): the thunk steps back one pointer. */
    Component* b = create(L"AbiProbe", true);
    check(live_probes(keeper) == 2, "probe b alive");
    vt1(b)->dtor(base(b, 1), 1);
    check(live_probes(keeper) == 1, "deleting destructor via vptr 1 dropped the component");

    /* flags=0: destroy without freeing (the memory is released by DestroyObject afterwards). */
    Component* d = create(L"AbiProbe", true);
    check(live_probes(keeper) == 2, "probe d alive");
    r = vt3(d)->dtor(base(d, 3), 0);
    check(r == base(d, 3) && live_probes(keeper) == 1, "non-deleting destructor via vptr 3");
    check(destroy_object(&d) == 0, "DestroyObject after a non-deleting destructor");

    Component* null_obj = NULL;
    check(destroy_object(&null_obj) == -1 && destroy_object(NULL) == -1, "DestroyObject(NULL) is -1");
    INIT(keeper, Done);
    check(destroy_object(&keeper) == 0, "DestroyObject keeper");
}

/* ---- The BonusPlus class ---------------------------------------------------------------- */
static void test_bonusplus(const char* version) {
    Component* c = create(L"BonusPlus", true);
    if (!c) return;
    WCHAR_T* ext = NULL;
    check(LANG(c, RegisterExtensionAs, &ext) && take_name(ext, L"BonusPlus"), "BonusPlus RegisterExtensionAs");
    long ver = LANG(c, FindProp, L"\x0412\x0435\x0440\x0441\x0438\x044f"); /* Версия */
    check(ver >= 0 && ver == LANG(c, FindProp, L"version"), "FindProp Версия / version");
    tVariant out;
    memset(&out, 0, sizeof out);
    WCHAR_T want[64];
    swprintf(want, 64, L"%hs", version);
    check(LANG(c, GetPropVal, ver, &out) && v_is_str(&out, want), "Version = the crate version");
    v_clear(&out);

    long norm = find_method(c, L"\x041d\x043e\x0440\x043c\x0430\x043b\x0438\x0437\x043e\x0432\x0430\x0442\x044c"
                               L"\x0422\x0435\x043b\x0435\x0444\x043e\x043d"); /* НормализоватьТелефон */
    check(norm >= 0 && norm == find_method(c, L"normalizephone"), "FindMethod NormalizePhone (ru/en)");
    tVariant a = v_str(L"+7 (900) 111-22-33");
    memset(&out, 0, sizeof out);
    check(LANG(c, CallAsFunc, norm, &out, &a, 1) && v_is_str(&out, L"79001112233"), "NormalizePhone");
    v_clear(&a);
    v_clear(&out);
    a = v_str(L"12");
    memset(&out, 0, sizeof out);
    int errors_before = conn.errors;
    check(!LANG(c, CallAsFunc, norm, &out, &a, 1) && conn.errors == errors_before + 1 && conn.last_code == 1006,
          "NormalizePhone(\"12\") fails with AddError(1006)");
    v_clear(&a);
    memset(&out, 0, sizeof out);
    long last_error = LANG(c, FindProp, L"LastError");
    check(LANG(c, GetPropVal, last_error, &out) && out.vt == VTYPE_PWSTR &&
              wcsstr(out.u.wstr.pwstrVal, L"\"code\"") != NULL,
          "LastError holds the JSON error");
    v_clear(&out);
    INIT(c, Done);
    check(destroy_object(&c) == 0, "DestroyObject BonusPlus");
}

/* ---- The seed checkout on the built-in engine ------------------------------------------- */
/* Calls a method; the result string (if any) is copied into out. Parameters are cleared. */
static bool call(Component* c, const WCHAR_T* method, tVariant* params, int n, WCHAR_T* out, size_t cap) {
    long m = find_method(c, method);
    tVariant ret;
    memset(&ret, 0, sizeof ret);
    bool ok = m >= 0 && LANG(c, CallAsFunc, m, &ret, n ? params : NULL, n);
    if (out && cap) {
        out[0] = 0;
        if (ok && ret.vt == VTYPE_PWSTR) wcsncpy(out, ret.u.wstr.pwstrVal, cap - 1), out[cap - 1] = 0;
        if (ok && ret.vt == VTYPE_BOOL) wcsncpy(out, ret.u.bVal ? L"true" : L"false", cap - 1);
    }
    v_clear(&ret);
    for (int i = 0; i < n; i++) v_clear(&params[i]);
    return ok;
}

static void test_seed(void) {
    Component* c = create(L"BonusPlus", false);
    if (!c) return;
    static WCHAR_T dir[MAX_PATH + 64], out[8192];
    WCHAR_T tmp[MAX_PATH];
    GetTempPathW(MAX_PATH, tmp);
    /* A fresh folder per run: Wine reuses small process ids, and both arches share one prefix. */
    LARGE_INTEGER now;
    QueryPerformanceCounter(&now);
    swprintf(dir, MAX_PATH + 64, L"%lsbonusplus-winhost-%u-%lu-%llx", tmp, (unsigned)(sizeof(void*) * 8),
             (unsigned long)GetCurrentProcessId(), (unsigned long long)now.QuadPart);
    tVariant v = v_str(dir);
    long data_directory = LANG(c, FindProp, L"DataDirectory");
    check(LANG(c, SetPropVal, data_directory, &v), "DataDirectory set");
    v_clear(&v);

    tVariant p[3];
    p[0] = v_str(L"{\"accrualPercent\":1,\"rate\":1}");
    check(call(c, L"SetPolicy", p, 1, out, 8192) && wcscmp(out, L"true") == 0, "SetPolicy");
    p[0] = v_str(L"+7 (900) 111-22-33");
    p[1] = v_str(L"4601234567893");
    p[2] = v_str(L"{}");
    check(call(c, L"RegisterCustomer", p, 3, out, 8192) && wcsstr(out, L"\"created\":true"), "RegisterCustomer");
    p[0] = v_str(L"{\"documentId\":\"S-1\",\"phone\":\"79001112233\",\"bonusDebit\":0,"
                 L"\"lines\":[{\"lineNo\":1,\"product\":\"X\",\"quantity\":1,\"sum\":10000}]}");
    check(call(c, L"FixSale", p, 1, out, 8192) && wcsstr(out, L"\"bonusAccrued\":100"), "first sale accrues 100");

    static const WCHAR_T* order =
        L"{\"documentId\":\"O-1\",\"phone\":\"79001112233\",\"cardNumber\":\"4601234567893\",\"bonusDebit\":100,"
        L"\"lines\":[{\"lineNo\":1,\"product\":\"A\",\"quantity\":1,\"sum\":3000},"
        L"{\"lineNo\":2,\"product\":\"B\",\"quantity\":2,\"sum\":3120},"
        L"{\"lineNo\":3,\"product\":\"C\",\"quantity\":1,\"sum\":2040}]}";
    p[0] = v_str(order);
    bool calc = call(c, L"Calculate", p, 1, out, 8192);
    check(calc && wcsstr(out, L"\"bonusDebitSum\":36.76") && wcsstr(out, L"\"bonusDebitSum\":38.24") &&
              wcsstr(out, L"\"bonusDebitSum\":25,"),
          "seed calculation: 36.76 / 38.24 / 25.00");
    check(calc && wcsstr(out, L"\"toPay\":8060") && wcsstr(out, L"\"discountPercent\":1.23"),
          "seed calculation: to pay 8060, 1.23 % per line");

    p[0] = v_str(L"O-1");
    p[1] = v_str(L"79001112233");
    p[2] = v_i4(100);
    check(call(c, L"Reserve", p, 3, out, 8192) && wcscmp(out, L"true") == 0, "Reserve 100");
    p[0] = v_str(L"{\"documentId\":\"S-2\",\"reserveId\":\"O-1\",\"phone\":\"79001112233\",\"bonusDebit\":100,"
                 L"\"lines\":[{\"lineNo\":1,\"product\":\"A\",\"quantity\":1,\"sum\":3000},"
                 L"{\"lineNo\":2,\"product\":\"B\",\"quantity\":2,\"sum\":3120},"
                 L"{\"lineNo\":3,\"product\":\"C\",\"quantity\":1,\"sum\":2040}]}");
    check(call(c, L"FixSale", p, 1, out, 8192) && wcsstr(out, L"\"status\":\"done\"") &&
              wcsstr(out, L"\"bonusDebited\":100") && wcsstr(out, L"\"bonusAccrued\":80.6"),
          "sale fixed: 100 debited, 80.6 accrued");
    INIT(c, Done);
    check(destroy_object(&c) == 0, "DestroyObject after the seed checkout");
}

/* ---- Local time: the add-in dates a sale by the Windows time zone ------------------------- */
static void format_date(WCHAR_T* out, size_t cap, const SYSTEMTIME* t) {
    swprintf(out, cap, L"%04u-%02u-%02u", t->wYear, t->wMonth, t->wDay);
}

static void test_local_time(void) {
    Component* c = create(L"BonusPlus", false);
    if (!c) return;
    static WCHAR_T dir[MAX_PATH + 64], out[8192], policy[256];
    WCHAR_T tmp[MAX_PATH], local_day[16], next_day[16], utc_day[16];
    GetTempPathW(MAX_PATH, tmp);
    LARGE_INTEGER now;
    QueryPerformanceCounter(&now);
    swprintf(dir, MAX_PATH + 64, L"%lsbonusplus-localtime-%u-%lu-%llx", tmp, (unsigned)(sizeof(void*) * 8),
             (unsigned long)GetCurrentProcessId(), (unsigned long long)now.QuadPart);
    tVariant v = v_str(dir);
    long data_directory = LANG(c, FindProp, L"DataDirectory");
    check(LANG(c, SetPropVal, data_directory, &v), "local time: DataDirectory set");
    v_clear(&v);

    /* What Windows says: the local and UTC dates now, the local date tomorrow, the zone's name. */
    SYSTEMTIME local, utc, tomorrow;
    GetLocalTime(&local);
    GetSystemTime(&utc);
    FILETIME ft;
    SystemTimeToFileTime(&local, &ft);
    ULARGE_INTEGER ticks = {.LowPart = ft.dwLowDateTime, .HighPart = ft.dwHighDateTime};
    ticks.QuadPart += 864000000000ULL; /* one day in 100 ns */
    ft.dwLowDateTime = ticks.LowPart;
    ft.dwHighDateTime = ticks.HighPart;
    FileTimeToSystemTime(&ft, &tomorrow);
    format_date(local_day, 16, &local);
    format_date(utc_day, 16, &utc);
    format_date(next_day, 16, &tomorrow);
    DYNAMIC_TIME_ZONE_INFORMATION zone;
    memset(&zone, 0, sizeof zone);
    GetDynamicTimeZoneInformation(&zone);
    printf("local time: Windows zone \"%ls\", local %ls %02u:%02u, UTC %ls %02u:%02u\n", zone.TimeZoneKeyName,
           local_day, local.wHour, local.wMinute, utc_day, utc.wHour, utc.wMinute);

    /* 1 % always; 5 % from the local date of today. */
    tVariant p[3];
    p[0] = v_str(L"{\"accrualPercent\":1,\"rate\":1}");
    check(call(c, L"SetPolicy", p, 1, out, 8192), "local time: SetPolicy 1 %");
    swprintf(policy, 256, L"{\"accrualPercent\":5,\"rate\":1,\"startDate\":\"%lsT00:00:00\"}",
             local_day);
    p[0] = v_str(policy);
    check(call(c, L"SetPolicy", p, 1, out, 8192), "local time: SetPolicy 5 % from today");
    p[0] = v_str(L"+7 (900) 444-55-66");
    p[1] = v_str(L"4601234567894");
    p[2] = v_str(L"{}");
    check(call(c, L"RegisterCustomer", p, 3, out, 8192), "local time: RegisterCustomer");
    /* No date: the add-in's clock dates the sale. */
    p[0] = v_str(L"{\"documentId\":\"T-1\",\"phone\":\"79004445566\",\"bonusDebit\":0,"
                 L"\"lines\":[{\"lineNo\":1,\"product\":\"X\",\"quantity\":1,\"sum\":1000}]}");
    check(call(c, L"FixSale", p, 1, out, 8192) && wcsstr(out, L"\"bonusAccrued\":50"),
          "local time: the sale falls under today's policy (5 %, not 1 %)");
    printf("local time: FixSale %ls\n", out);
    /* 5 % applies only from the local date: the add-in dated the sale that day. */
    printf("local time: sale dated %ls by the add-in (Windows local date %ls, UTC date %ls)\n",
           wcsstr(out, L"\"bonusAccrued\":50") ? local_day : L"(another day)", local_day, utc_day);
    INIT(c, Done);
    check(destroy_object(&c) == 0, "local time: DestroyObject");
}

int main(int argc, char** argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: winhost ADDIN.dll [VERSION [shipped]]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    /* 1C on Windows runs with no TZ variable. Wine copies the Unix TZ into the Windows environment,
     * and the add-in's time zone library would take it before asking Windows: drop it, so the zone
     * comes from the Windows setting (which Wine derives from the Unix zone). */
    SetEnvironmentVariableW(L"TZ", NULL);
    bool shipped = argc > 3 && strcmp(argv[3], "shipped") == 0;
    conn.vptr = &CN_VTBL;
    conn.msgbox.vptr = &MB_VTBL;
    conn.platform.vptr = &PI_VTBL;
    conn.platform.info.AppVersion = L"8.3.25.1000";
    conn.platform.info.UserAgentInformation = L"winhost";
    conn.platform.info.Application = 1;
    conn.attached.vptr = &AI_VTBL;

    HMODULE dll = LoadLibraryA(argv[1]);
    check(dll != NULL, "LoadLibrary");
    if (!dll) {
        printf("LoadLibrary(%s) failed: error %lu\n", argv[1], GetLastError());
        printf("%d passed, %d failed\n", passed, failed);
        return 1;
    }
    /* Undecorated names, as 1C resolves them. */
    GetClassNamesFn get_class_names = (GetClassNamesFn)(void*)GetProcAddress(dll, "GetClassNames");
    get_class_object = (GetClassObjectFn)(void*)GetProcAddress(dll, "GetClassObject");
    destroy_object = (DestroyObjectFn)(void*)GetProcAddress(dll, "DestroyObject");
    SetPlatformCapabilitiesFn set_caps = (SetPlatformCapabilitiesFn)(void*)GetProcAddress(dll, "SetPlatformCapabilities");
    GetAttachTypeFn get_attach = (GetAttachTypeFn)(void*)GetProcAddress(dll, "GetAttachType");
    check(get_class_names && get_class_object && destroy_object && set_caps && get_attach, "five exports resolve");
    if (!(get_class_names && get_class_object && destroy_object && set_caps && get_attach)) {
        printf("%d passed, %d failed\n", passed, failed);
        return 1;
    }
    check(wcscmp(get_class_names(), L"BonusPlus") == 0, "GetClassNames = BonusPlus");
    check(set_caps(3) == 3, "SetPlatformCapabilities(3) = 3");
    check(get_attach() == 3, "GetAttachType = eCanAttachAny");
    Component* none = (Component*)1;
    check(get_class_object(L"NoSuchClass", &none) == 0 && none == NULL, "unknown class: 0, NULL");

    if (shipped) {
        Component* probe = (Component*)1;
        check(get_class_object(L"AbiProbe", &probe) == 0 && probe == NULL,
              "shipped library: GetClassObject(AbiProbe) = 0, NULL");
    } else {
        test_probe();
        test_destructors();
    }
    test_bonusplus(argc > 2 ? argv[2] : "");
    test_seed();
    test_local_time();

    check(mm.bad_frees == 0, "the add-in never freed a block twice or one it did not own");
    check(mm_live(&mm) == 0 && mm.allocs == mm.frees, "every host block was freed");
    printf("memory: %d allocations, %d frees, %d bad frees, %d live\n", mm.allocs, mm.frees, mm.bad_frees, mm_live(&mm));
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
