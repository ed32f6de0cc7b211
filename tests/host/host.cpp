// Our own 1C:Enterprise host emulator: loads the add-in with dlopen and drives every vtable slot
// through interfaces declared in the shape of the platform's headers (addin_api.h), so g++ lays out
// the vtables and adjusts `this` exactly as a C++ host does.
//
//   host test  LIB VERSION   the ABI suite; prints "N passed, M failed", exit 1 on any failure
//   host bench LIB FLOOR N R the add-in against a plain C++ component (bench.h); ns per call
//   host bench-calc LIB DIR ORDER [FLOOR]   Calculate rounds driven from stdin (bench.h)
//   host serve LIB [CLASS]   one component driven by a line protocol on stdin (see run_serve)
//   host fuzz LIB N SEED DIR N random calls on BonusPlus with its data in DIR (see run_fuzz)
//   host classes LIB NAME... GetClassNames, then GetClassObject for each NAME (see run_classes)
#include "addin_api.h"

#include <dlfcn.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

// ---- checks -------------------------------------------------------------------------------

static int g_passed = 0, g_failed = 0;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (cond) {                                                                  \
            ++g_passed;                                                              \
        } else {                                                                     \
            ++g_failed;                                                              \
            std::fprintf(stderr, "FAILED %s:%d: %s\n", __FILE__, __LINE__, #cond);   \
        }                                                                            \
    } while (0)

// ---- UTF-8 <-> UTF-16 ----------------------------------------------------------------------

static std::u16string u16(const std::string& s) {
    std::u16string out;
    for (size_t i = 0; i < s.size();) {
        unsigned char c = s[i];
        uint32_t cp;
        int n;
        if (c < 0x80) { cp = c; n = 1; }
        else if ((c >> 5) == 6) { cp = c & 0x1f; n = 2; }
        else if ((c >> 4) == 14) { cp = c & 0x0f; n = 3; }
        else { cp = c & 0x07; n = 4; }
        for (int k = 1; k < n && i + k < s.size(); ++k) cp = (cp << 6) | (s[i + k] & 0x3f);
        i += n;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            out.push_back(char16_t(0xd800 + (cp >> 10)));
            out.push_back(char16_t(0xdc00 + (cp & 0x3ff)));
        } else {
            out.push_back(char16_t(cp));
        }
    }
    return out;
}

static std::string u8(const char16_t* p, size_t len) {
    std::string out;
    for (size_t i = 0; i < len; ++i) {
        uint32_t cp = p[i];
        if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < len) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (p[++i] - 0xdc00);
        }
        if (cp < 0x80) out += char(cp);
        else if (cp < 0x800) { out += char(0xc0 | (cp >> 6)); out += char(0x80 | (cp & 0x3f)); }
        else if (cp < 0x10000) {
            out += char(0xe0 | (cp >> 12)); out += char(0x80 | ((cp >> 6) & 0x3f)); out += char(0x80 | (cp & 0x3f));
        } else {
            out += char(0xf0 | (cp >> 18)); out += char(0x80 | ((cp >> 12) & 0x3f));
            out += char(0x80 | ((cp >> 6) & 0x3f)); out += char(0x80 | (cp & 0x3f));
        }
    }
    return out;
}

static std::string u8z(const char16_t* p) {
    if (!p) return "<NULL>";
    size_t n = 0;
    while (p[n]) ++n;
    return u8(p, n);
}

// Case changes for the names we test with: ASCII and basic Cyrillic (А-Я, а-я, Ё, ё).
static std::u16string upper(std::u16string s) {
    for (auto& c : s) {
        if (c >= u'a' && c <= u'z') c -= 32;
        else if (c >= 0x430 && c <= 0x44f) c -= 0x20;
        else if (c == 0x451) c = 0x401;
    }
    return s;
}
static std::u16string lower(std::u16string s) {
    for (auto& c : s) {
        if (c >= u'A' && c <= u'Z') c += 32;
        else if (c >= 0x410 && c <= 0x42f) c += 0x20;
        else if (c == 0x401) c = 0x451;
    }
    return s;
}
static std::u16string mixed(std::u16string s) {
    s = lower(s);
    for (size_t i = 0; i < s.size(); i += 2) s = s.substr(0, i) + upper(s.substr(i, 1)) + s.substr(i + 1);
    return s;
}

// ---- the platform's memory manager, counting --------------------------------------------

class CountingMemory : public IMemoryManager {
public:
    std::unordered_map<void*, unsigned long> live;
    long allocs = 0, frees = 0, bad_frees = 0, zero_requests = 0;
    bool fail = false;

    bool ADDIN_API AllocMemory(void** p, unsigned long bytes) override {
        if (!p) return false;
        if (bytes == 0) ++zero_requests;
        if (fail) { *p = nullptr; return false; }
        *p = std::malloc(bytes ? bytes : 1);
        if (!*p) return false;
        live[*p] = bytes;
        ++allocs;
        return true;
    }
    void ADDIN_API FreeMemory(void** p) override {
        if (!p || !*p) return;
        auto it = live.find(*p);
        if (it == live.end()) {
            // A block we never gave out, or one already freed: the add-in freed what it must not.
            ++bad_frees;
            std::fprintf(stderr, "FreeMemory of an unknown block %p\n", *p);
            return;
        }
        live.erase(it);
        std::free(*p);
        *p = nullptr;
        ++frees;
    }
    bool owns(void* p) const { return live.count(p) != 0; }
    unsigned long size_of(void* p) const { auto it = live.find(p); return it == live.end() ? 0 : it->second; }
};

// ---- the platform connection, recording --------------------------------------------------

struct ErrorRecord { unsigned short code; std::string source, descr; long scode; };
struct EventRecord { std::string source, message, data; };

class StubMsgBox : public IMsgBox {
public:
    std::vector<std::string> alerts;
    bool ADDIN_API Confirm(const WCHAR_T* text, tVariant* ret) override {
        alerts.push_back("confirm:" + u8z(text));
        if (ret) { ret->vt = VTYPE_BOOL; ret->bVal = true; }
        return true;
    }
    bool ADDIN_API Alert(const WCHAR_T* text) override { alerts.push_back(u8z(text)); return true; }
};

class StubPlatformInfo : public IPlatformInfo {
public:
    std::u16string version = u"8.3.25.1000", agent = u"test-host";
    AppInfo info{};
    const AppInfo* ADDIN_API GetPlatformInfo() override {
        info.AppVersion = version.c_str();
        info.UserAgentInformation = agent.c_str();
        info.Application = 1;  // thick client
        return &info;
    }
};

class StubAttachedInfo : public IAttachedInfo {
public:
    AttachedType ADDIN_API GetAttachedInfo() override { return eAttachedNotIsolated; }
};

class RecordingConnection : public IAddInDefBaseEx {
public:
    std::mutex lock;
    std::vector<ErrorRecord> errors;
    std::vector<EventRecord> events;
    std::vector<std::string> status;
    int status_resets = 0;
    long depth = 1;
    bool offer_interfaces = true;
    StubMsgBox msgbox;
    StubPlatformInfo platform;
    StubAttachedInfo attached;

    bool ADDIN_API AddError(unsigned short code, const WCHAR_T* source, const WCHAR_T* descr, long scode) override {
        std::lock_guard<std::mutex> g(lock);
        errors.push_back({code, u8z(source), u8z(descr), scode});
        return true;
    }
    bool ADDIN_API Read(WCHAR_T*, tVariant*, long*, WCHAR_T**) override { return false; }
    bool ADDIN_API Write(WCHAR_T*, tVariant*) override { return false; }
    bool ADDIN_API RegisterProfileAs(WCHAR_T*) override { return false; }
    bool ADDIN_API SetEventBufferDepth(long d) override { depth = d; return true; }
    long ADDIN_API GetEventBufferDepth() override { return depth; }
    bool ADDIN_API ExternalEvent(WCHAR_T* s, WCHAR_T* m, WCHAR_T* d) override {
        std::lock_guard<std::mutex> g(lock);
        events.push_back({u8z(s), u8z(m), u8z(d)});
        return true;
    }
    void ADDIN_API CleanEventBuffer() override {}
    bool ADDIN_API SetStatusLine(WCHAR_T* text) override { status.push_back(u8z(text)); return true; }
    void ADDIN_API ResetStatusLine() override { ++status_resets; }
    IInterface* ADDIN_API GetInterface(Interfaces iface) override {
        if (!offer_interfaces) return nullptr;
        switch (iface) {
            case eIMsgBox: return &msgbox;
            case eIPlatformInfo: return &platform;
            case eIAttachedInfo: return &attached;
        }
        return nullptr;
    }
};

// ---- the library ---------------------------------------------------------------------------

struct Library {
    void* handle = nullptr;
    GetClassNamesFn GetClassNames = nullptr;
    GetClassObjectFn GetClassObject = nullptr;
    DestroyObjectFn DestroyObject = nullptr;
    SetPlatformCapabilitiesFn SetPlatformCapabilities = nullptr;
    GetAttachTypeFn GetAttachType = nullptr;

    bool load(const char* path) {
        handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!handle) { std::fprintf(stderr, "dlopen: %s\n", dlerror()); return false; }
        GetClassNames = (GetClassNamesFn)dlsym(handle, "GetClassNames");
        GetClassObject = (GetClassObjectFn)dlsym(handle, "GetClassObject");
        DestroyObject = (DestroyObjectFn)dlsym(handle, "DestroyObject");
        SetPlatformCapabilities = (SetPlatformCapabilitiesFn)dlsym(handle, "SetPlatformCapabilities");
        GetAttachType = (GetAttachTypeFn)dlsym(handle, "GetAttachType");
        return GetClassNames && GetClassObject && DestroyObject && SetPlatformCapabilities && GetAttachType;
    }
    IComponentBase* create(const char16_t* name) {
        IComponentBase* p = nullptr;
        return GetClassObject(name, &p) ? p : nullptr;
    }
};

// ---- variants the way the platform makes them ----------------------------------------------

static tVariant empty_var() { tVariant v; std::memset(&v, 0, sizeof v); v.vt = VTYPE_EMPTY; return v; }

static tVariant str_var(CountingMemory& mem, const std::string& s) {
    std::u16string w = u16(s);
    tVariant v = empty_var();
    void* p = nullptr;
    mem.AllocMemory(&p, (unsigned long)((w.size() + 1) * 2));
    std::memcpy(p, w.c_str(), (w.size() + 1) * 2);
    v.wstr.pwstrVal = (WCHAR_T*)p;
    v.wstr.wstrLen = (uint32_t)w.size();
    v.vt = VTYPE_PWSTR;
    return v;
}

static tVariant i4_var(int32_t x) { tVariant v = empty_var(); v.vt = VTYPE_I4; v.lVal = x; return v; }

// What the platform does with a variant it owns once it is done with it.
static void clear_var(CountingMemory& mem, tVariant& v) {
    if ((v.vt == VTYPE_PWSTR || v.vt == VTYPE_PSTR || v.vt == VTYPE_BLOB) && v.str.pstrVal) {
        void* p = v.str.pstrVal;
        mem.FreeMemory(&p);
    }
    v = empty_var();
}

static std::string var_str(const tVariant& v) {
    if (v.vt != VTYPE_PWSTR) return "<vt " + std::to_string(v.vt) + ">";
    return u8(v.wstr.pwstrVal, v.wstr.wstrLen);
}

// A string the add-in allocated: must be ours, exactly (len+1)*2 bytes, NUL-terminated.
static bool well_formed_result(const CountingMemory& mem, const tVariant& v) {
    if (v.vt != VTYPE_PWSTR) return false;
    return mem.owns(v.wstr.pwstrVal) && mem.size_of(v.wstr.pwstrVal) == (v.wstr.wstrLen + 1) * 2 &&
           v.wstr.pwstrVal[v.wstr.wstrLen] == 0;
}

static std::string take_name(CountingMemory& mem, const WCHAR_T* name) {
    std::string s = u8z(name);
    if (name) { void* p = (void*)name; CHECK(mem.owns(p)); mem.FreeMemory(&p); }
    return s;
}

// Calls a function-style method; returns the result string (freed) or "<fail>".
static std::string call_str(CountingMemory& mem, IComponentBase* c, long m, std::vector<tVariant> params) {
    tVariant ret = empty_var();
    bool ok = c->CallAsFunc(m, &ret, params.empty() ? nullptr : params.data(), (long)params.size());
    for (auto& p : params) clear_var(mem, p);
    if (!ok) return "<fail>";
    std::string s = var_str(ret);
    clear_var(mem, ret);
    return s;
}

static std::string get_prop_str(CountingMemory& mem, IComponentBase* c, const char16_t* name) {
    long n = c->FindProp(name);
    tVariant v = empty_var();
    if (n < 0 || !c->GetPropVal(n, &v)) return "<fail>";
    CHECK(well_formed_result(mem, v));
    std::string s = var_str(v);
    clear_var(mem, v);
    return s;
}

static long get_prop_int(IComponentBase* c, const char16_t* name) {
    tVariant v = empty_var();
    if (!c->GetPropVal(c->FindProp(name), &v)) return -999;
    return v.vt == VTYPE_I4 ? v.lVal : (v.vt == VTYPE_R8 ? (long)v.dblVal : -998);
}

// ---- the suite -----------------------------------------------------------------------------

// Every name of the component: both aliases and case variants find the same index.
static void check_name_tables(CountingMemory& mem, IComponentBase* c) {
    long np = c->GetNProps();
    CHECK(np > 0);
    for (long i = 0; i < np; ++i) {
        std::u16string en = u16(take_name(mem, c->GetPropName(i, 0)));
        std::u16string ru = u16(take_name(mem, c->GetPropName(i, 1)));
        CHECK(!en.empty() && !ru.empty() && en != ru);
        for (auto& n : {en, ru, upper(en), lower(en), upper(ru), lower(ru), mixed(ru)}) CHECK(c->FindProp(n.c_str()) == i);
    }
    long nm = c->GetNMethods();
    CHECK(nm > 0);
    for (long i = 0; i < nm; ++i) {
        std::u16string en = u16(take_name(mem, c->GetMethodName(i, 0)));
        std::u16string ru = u16(take_name(mem, c->GetMethodName(i, 1)));
        CHECK(!en.empty() && !ru.empty() && en != ru);
        for (auto& n : {en, ru, upper(en), lower(en), upper(ru), lower(ru), mixed(ru)}) CHECK(c->FindMethod(n.c_str()) == i);
        long params = c->GetNParams(i);
        CHECK(params >= 0 && params < 16);
        // A parameter past the end has no default, and says so with EMPTY + false.
        tVariant d = i4_var(7);
        CHECK(!c->GetParamDefValue(i, params, &d) && d.vt == VTYPE_EMPTY);
    }
    CHECK(c->FindProp(u"NoSuchProperty") == -1);
    CHECK(c->FindProp(nullptr) == -1);
    CHECK(c->FindMethod(u"NoSuchMethod") == -1);
    CHECK(c->FindMethod(nullptr) == -1);
    CHECK(c->FindMethod(u"") == -1);
    CHECK(c->GetPropName(-1, 0) == nullptr && c->GetPropName(np, 0) == nullptr && c->GetPropName(1L << 30, 1) == nullptr);
    CHECK(c->GetMethodName(-1, 0) == nullptr && c->GetMethodName(nm, 1) == nullptr);
    CHECK(!c->IsPropReadable(-1) && !c->IsPropReadable(np) && !c->IsPropWritable(-5) && !c->IsPropWritable(np));
    CHECK(c->GetNParams(-1) == 0 && c->GetNParams(nm) == 0);
    CHECK(!c->HasRetVal(-1) && !c->HasRetVal(nm));
    tVariant v = empty_var();
    CHECK(!c->GetPropVal(np, &v) && !c->GetPropVal(-1, &v) && !c->SetPropVal(np, &v));
    CHECK(!c->GetParamDefValue(-1, 0, &v) && !c->GetParamDefValue(0, 0, nullptr));
    CHECK(!c->CallAsProc(nm, nullptr, 0) && !c->CallAsFunc(-1, &v, nullptr, 0));
    CHECK(!c->RegisterExtensionAs(nullptr));
}

static void test_loader(Library& lib) {
    CHECK(u8z(lib.GetClassNames()) == "BonusPlus");
    CHECK(lib.GetClassNames() == lib.GetClassNames());  // static, never reallocated
    CHECK(lib.SetPlatformCapabilities(eAppCapabilities3) == eAppCapabilities3);
    CHECK(lib.GetAttachType() == eCanAttachAny);
    IComponentBase* p = (IComponentBase*)0x1;
    CHECK(lib.GetClassObject(u"NoSuchClass", &p) == 0 && p == nullptr);
    CHECK(lib.GetClassObject(nullptr, &p) == 0);
    CHECK(lib.GetClassObject(u"BonusPlus", nullptr) == 0);
    CHECK(lib.DestroyObject(nullptr) == -1);
    IComponentBase* none = nullptr;
    CHECK(lib.DestroyObject(&none) == -1);
}

static void test_bonusplus(Library& lib, const std::string& version) {
    CountingMemory mem;
    RecordingConnection host;
    IComponentBase* c = lib.create(u"BonusPlus");
    CHECK(c != nullptr);
    if (!c) return;
    // The documented order: Init, then setMemManager.
    CHECK(c->Init(static_cast<IAddInDefBase*>(&host)));
    CHECK(c->setMemManager(&mem));
    CHECK(c->GetInfo() == 2000);
    WCHAR_T* ext = nullptr;
    CHECK(c->RegisterExtensionAs(&ext));
    CHECK(take_name(mem, ext) == "BonusPlus");

    check_name_tables(mem, c);

    // Version: readable, not writable, the crate version.
    long pv = c->FindProp(u"версия");
    CHECK(pv >= 0 && c->IsPropReadable(pv) && !c->IsPropWritable(pv));
    CHECK(get_prop_str(mem, c, u"Version") == version);
    tVariant nv = i4_var(1);
    CHECK(!c->SetPropVal(pv, &nv));

    long m = c->FindMethod(u"НормализоватьТелефон");
    CHECK(m >= 0 && c->HasRetVal(m) && c->GetNParams(m) == 1);
    CHECK(m == c->FindMethod(u"normalizephone"));
    CHECK(call_str(mem, c, m, {str_var(mem, "+7 (900) 111-22-33")}) == "79001112233");
    CHECK(get_prop_str(mem, c, u"LastError") == "");
    // A statement-style call runs the same code.
    {
        tVariant p = str_var(mem, "8 900 111 22 33");
        CHECK(c->CallAsProc(m, &p, 1));
        clear_var(mem, p);
    }
    // A PSTR (8-bit) string is a string too.
    {
        static char digits[] = "89001112233";
        tVariant p = empty_var();
        p.vt = VTYPE_PSTR;
        p.str.pstrVal = digits;
        p.str.strLen = 11;
        tVariant ret = empty_var();
        CHECK(c->CallAsFunc(m, &ret, &p, 1) && var_str(ret) == "79001112233");
        clear_var(mem, ret);
    }

    // A bad phone: false, AddError(1006, "BonusPlus", Russian text, non-zero), LastError JSON.
    size_t before = host.errors.size();
    CHECK(call_str(mem, c, m, {str_var(mem, "12345")}) == "<fail>");
    CHECK(host.errors.size() == before + 1);
    if (host.errors.size() == before + 1) {
        const ErrorRecord& e = host.errors.back();
        CHECK(e.code == 1006 && e.source == "BonusPlus" && e.scode != 0);
        CHECK(e.descr.find("телефон") != std::string::npos);
    }
    std::string last = get_prop_str(mem, c, u"ПоследняяОшибка");
    CHECK(last.find("\"code\":\"INVALID_ARGUMENT\"") != std::string::npos);

    // Every wrong type is an error, never a crash.
    std::vector<tVariant> wrong;
    wrong.push_back(empty_var());
    wrong.push_back(i4_var(42));
    { tVariant v = empty_var(); v.vt = VTYPE_I8; v.llVal = 89001112233LL; wrong.push_back(v); }
    { tVariant v = empty_var(); v.vt = VTYPE_R8; v.dblVal = 89001112233.0; wrong.push_back(v); }
    { tVariant v = empty_var(); v.vt = VTYPE_BOOL; v.bVal = true; wrong.push_back(v); }
    { tVariant v = empty_var(); v.vt = VTYPE_NULL; wrong.push_back(v); }
    { tVariant v = empty_var(); v.vt = VTYPE_TM; v.tmVal.tm_year = 121; v.tmVal.tm_mday = 1; wrong.push_back(v); }
    { tVariant v = empty_var(); v.vt = VTYPE_BLOB; static char b[] = "\x01\x02"; v.str.pstrVal = b; v.str.strLen = 2; wrong.push_back(v); }
    { tVariant v = empty_var(); v.vt = 0x1234; wrong.push_back(v); }
    { tVariant v = empty_var(); v.vt = VTYPE_INTERFACE; wrong.push_back(v); }
    { tVariant v = empty_var(); v.vt = VTYPE_PWSTR; v.wstr.pwstrVal = nullptr; v.wstr.wstrLen = 5; wrong.push_back(v); }
    { tVariant v = empty_var(); v.vt = 0xffff; wrong.push_back(v); }
    for (auto& w : wrong) {
        size_t n = host.errors.size();
        tVariant ret = empty_var();
        CHECK(!c->CallAsFunc(m, &ret, &w, 1));
        CHECK(ret.vt == VTYPE_EMPTY);
        CHECK(host.errors.size() == n + 1);
    }
    // No parameters at all: a NULL array with count 0.
    {
        tVariant ret = empty_var();
        CHECK(!c->CallAsFunc(m, &ret, nullptr, 0));
        CHECK(!c->CallAsProc(m, nullptr, 0));
        CHECK(!c->CallAsFunc(m, nullptr, nullptr, 0));
    }
    // A count larger than the method declares: only the declared parameter is read.
    {
        tVariant p = str_var(mem, "9001112233");
        tVariant ret = empty_var();
        CHECK(c->CallAsFunc(m, &ret, &p, 1000000) && var_str(ret) == "79001112233");
        clear_var(mem, ret);
        clear_var(mem, p);
    }

    // Locale: English messages after SetLocale("en_US"), Russian again after "ru".
    LocaleBase* locale = c;
    locale->SetLocale(u"en_US");
    CHECK(call_str(mem, c, m, {str_var(mem, "abc")}) == "<fail>");
    CHECK(!host.errors.empty() && host.errors.back().descr.find("Invalid phone") != std::string::npos);
    UserLanguageBase* ui = c;
    ui->SetUserInterfaceLanguageCode(u"ru");
    CHECK(call_str(mem, c, m, {str_var(mem, "abc")}) == "<fail>");
    CHECK(!host.errors.empty() && host.errors.back().descr.find("телефон") != std::string::npos);
    locale->SetLocale(nullptr);
    ui->SetUserInterfaceLanguageCode(nullptr);

    c->Done();
    IComponentBase* p = c;
    CHECK(lib.DestroyObject(&p) == 0 && p == nullptr);
    CHECK(lib.DestroyObject(&p) == -1);
    CHECK(mem.live.empty());
    CHECK(mem.bad_frees == 0 && mem.zero_requests == 0);
}

static void test_probe(Library& lib) {
    CountingMemory mem;
    RecordingConnection host;
    IComponentBase* c = lib.create(u"AbiProbe");
    CHECK(c != nullptr);
    if (!c) return;
    // The other order: setMemManager first, as OneScript does.
    CHECK(c->setMemManager(&mem));
    CHECK(c->Init(static_cast<IAddInDefBaseEx*>(&host)));
    check_name_tables(mem, c);
    long live = get_prop_int(c, u"Live");
    CHECK(live >= 1);

    long echo = c->FindMethod(u"Echo");
    // Each value comes back as a type 1C documents: whole numbers in I4, larger ones in R8.
    auto roundtrip = [&](tVariant in) {
        tVariant ret = empty_var();
        bool ok = c->CallAsFunc(echo, &ret, &in, 1);
        return std::make_pair(ok, ret);
    };
    { auto r = roundtrip(i4_var(-42)); CHECK(r.first && r.second.vt == VTYPE_I4 && r.second.lVal == -42); }
    { tVariant v = empty_var(); v.vt = VTYPE_I8; v.llVal = 1LL << 40; auto r = roundtrip(v); CHECK(r.first && r.second.vt == VTYPE_R8 && r.second.dblVal == 1099511627776.0); }
    { tVariant v = empty_var(); v.vt = VTYPE_I2; v.shortVal = -7; auto r = roundtrip(v); CHECK(r.first && r.second.vt == VTYPE_I4 && r.second.lVal == -7); }
    { tVariant v = empty_var(); v.vt = VTYPE_UI1; v.ui8Val = 200; auto r = roundtrip(v); CHECK(r.first && r.second.lVal == 200); }
    { tVariant v = empty_var(); v.vt = VTYPE_UI4; v.ulVal = 4000000000u; auto r = roundtrip(v); CHECK(r.first && r.second.vt == VTYPE_R8 && r.second.dblVal == 4000000000.0); }
    { tVariant v = empty_var(); v.vt = VTYPE_UI8; v.ullVal = ~0ULL; auto r = roundtrip(v); CHECK(r.first && r.second.vt == VTYPE_R8 && r.second.dblVal == 18446744073709551616.0); }
    { tVariant v = empty_var(); v.vt = VTYPE_R8; v.dblVal = 1.5; auto r = roundtrip(v); CHECK(r.first && r.second.vt == VTYPE_R8 && r.second.dblVal == 1.5); }
    { tVariant v = empty_var(); v.vt = VTYPE_R4; v.fltVal = 0.25f; auto r = roundtrip(v); CHECK(r.first && r.second.vt == VTYPE_R8 && r.second.dblVal == 0.25); }
    { tVariant v = empty_var(); v.vt = VTYPE_BOOL; v.bVal = true; auto r = roundtrip(v); CHECK(r.first && r.second.vt == VTYPE_BOOL && r.second.bVal); }
    { tVariant v = empty_var(); v.vt = VTYPE_INT; v.intVal = 5; auto r = roundtrip(v); CHECK(r.first && r.second.lVal == 5); }
    { auto r = roundtrip(empty_var()); CHECK(r.first && r.second.vt == VTYPE_EMPTY); }
    { tVariant v = empty_var(); v.vt = VTYPE_NULL; auto r = roundtrip(v); CHECK(r.first && r.second.vt == VTYPE_NULL); }
    for (const char* s : {"", "Привет, мир", "plain", "emoji \xF0\x9F\x98\x80 ok"}) {
        tVariant in = str_var(mem, s);
        auto r = roundtrip(in);
        CHECK(r.first && well_formed_result(mem, r.second) && var_str(r.second) == s);
        clear_var(mem, r.second);
        clear_var(mem, in);
    }
    {
        static char bytes[] = {0, 1, 2, (char)255};
        tVariant v = empty_var();
        v.vt = VTYPE_BLOB; v.str.pstrVal = bytes; v.str.strLen = 4;
        auto r = roundtrip(v);
        CHECK(r.first && r.second.vt == VTYPE_BLOB && r.second.str.strLen == 4 && std::memcmp(r.second.str.pstrVal, bytes, 4) == 0);
        CHECK(mem.owns(r.second.str.pstrVal));
        clear_var(mem, r.second);
        v.str.strLen = 0;  // an empty blob still gets a real (1-byte) block, never a 0-byte request
        r = roundtrip(v);
        CHECK(r.first && r.second.vt == VTYPE_BLOB && r.second.str.strLen == 0 && mem.owns(r.second.str.pstrVal));
        clear_var(mem, r.second);
    }
    {
        tVariant v = empty_var();
        v.vt = VTYPE_TM;
        v.tmVal.tm_year = 121; v.tmVal.tm_mon = 0; v.tmVal.tm_mday = 15;
        v.tmVal.tm_hour = 15; v.tmVal.tm_min = 49; v.tmVal.tm_sec = 30;
        auto r = roundtrip(v);
        CHECK(r.first && r.second.vt == VTYPE_TM);
        CHECK(r.second.tmVal.tm_year == 121 && r.second.tmVal.tm_mday == 15 && r.second.tmVal.tm_min == 49);
        CHECK(r.second.tmVal.tm_wday == 5 && r.second.tmVal.tm_yday == 14);
        v.tmVal.tm_mon = 1; v.tmVal.tm_mday = 30;  // 30 February
        CHECK(!roundtrip(v).first);
    }
    {
        tVariant v = empty_var();
        v.vt = VTYPE_DATE; v.date = 44211.5;  // 2021-01-15 12:00
        auto r = roundtrip(v);
        CHECK(r.first && r.second.vt == VTYPE_TM && r.second.tmVal.tm_hour == 12 && r.second.tmVal.tm_mday == 15);
    }
    for (unsigned short bad : {(unsigned short)VTYPE_INTERFACE, (unsigned short)VTYPE_VARIANT, (unsigned short)VTYPE_CLSID,
                               (unsigned short)0x2003, (unsigned short)0x4016, (unsigned short)0x1234, (unsigned short)0xffff}) {
        tVariant v = empty_var();
        v.vt = bad;
        v.iface.pInterfaceVal = (void*)0x10;  // garbage a careless add-in would dereference
        size_t n = host.errors.size();
        CHECK(!roundtrip(v).first);
        CHECK(host.errors.size() == n + 1);
    }

    // In/out parameter: overwriting a PWSTR frees the old block exactly once.
    long setout = c->FindMethod(u"SetOut");
    CHECK(!c->HasRetVal(setout));
    {
        tVariant params[2] = {str_var(mem, "old value"), str_var(mem, "new")};
        void* old_block = params[0].wstr.pwstrVal;
        long frees = mem.frees;
        CHECK(c->CallAsProc(setout, params, 2));
        CHECK(mem.frees == frees + 1 && !mem.owns(old_block) && mem.bad_frees == 0);
        CHECK(var_str(params[0]) == "new" && well_formed_result(mem, params[0]));
        clear_var(mem, params[0]);
        clear_var(mem, params[1]);
    }
    // Overwriting an I4 frees nothing.
    {
        tVariant params[2] = {i4_var(5), str_var(mem, "text")};
        long frees = mem.frees;
        CHECK(c->CallAsProc(setout, params, 2));
        CHECK(mem.frees == frees && mem.bad_frees == 0);
        CHECK(var_str(params[0]) == "text");
        clear_var(mem, params[0]);
        clear_var(mem, params[1]);
    }
    // Through CallAsFunc too (HasRetVal false, but a host may still call it).
    {
        tVariant params[2] = {str_var(mem, "x"), i4_var(9)};
        tVariant ret = i4_var(1);
        CHECK(c->CallAsFunc(setout, &ret, params, 2));
        CHECK(params[0].vt == VTYPE_I4 && params[0].lVal == 9 && ret.vt == VTYPE_EMPTY);
        clear_var(mem, params[1]);
    }

    // A panic inside the add-in: the process survives, the error reaches AddError.
    {
        size_t n = host.errors.size();
        CHECK(!c->CallAsProc(c->FindMethod(u"Паника"), nullptr, 0));
        CHECK(host.errors.size() == n + 1);
        if (host.errors.size() == n + 1) {
            CHECK(host.errors.back().code == 1006 && host.errors.back().scode != 0);
            CHECK(host.errors.back().descr.find("deliberate panic") != std::string::npos);
        }
        tVariant ret = empty_var();
        tVariant ab[2] = {i4_var(2), i4_var(3)};
        CHECK(c->CallAsFunc(c->FindMethod(u"Sum"), &ret, ab, 2) && ret.vt == VTYPE_I4 && ret.lVal == 5);
    }
    // A failing method: false plus AddError with its message.
    {
        size_t n = host.errors.size();
        CHECK(call_str(mem, c, c->FindMethod(u"Fail"), {str_var(mem, "boom")}) == "<fail>");
        CHECK(host.errors.size() == n + 1 && host.errors.back().descr == "boom" && host.errors.back().source == "AbiProbe");
    }

    // Defaults: Greeting has one, Name has none.
    long greet = c->FindMethod(u"приветствие");
    CHECK(c->GetNParams(greet) == 2);
    {
        tVariant d = i4_var(3);
        CHECK(!c->GetParamDefValue(greet, 0, &d) && d.vt == VTYPE_EMPTY);
        CHECK(c->GetParamDefValue(greet, 1, &d) && var_str(d) == "Привет" && well_formed_result(mem, d));
        clear_var(mem, d);
        CHECK(call_str(mem, c, greet, {str_var(mem, "Мир"), str_var(mem, "Здравствуй")}) == "Здравствуй, Мир!");
    }

    // Host services: events, status line, event buffer depth, interfaces.
    {
        tVariant ret = empty_var();
        tVariant data = str_var(mem, "сканер:4601234567893");
        CHECK(c->CallAsFunc(c->FindMethod(u"Event"), &ret, &data, 1) && ret.vt == VTYPE_BOOL && ret.bVal);
        clear_var(mem, data);
        CHECK(host.events.size() == 1);
        if (!host.events.empty()) {
            CHECK(host.events[0].source == "AbiProbe" && host.events[0].message == "Event" && host.events[0].data == "сканер:4601234567893");
        }
        CHECK(host.depth == 16 && !host.status.empty() && host.status.back() == "сканер:4601234567893");
        tVariant text = str_var(mem, "Внимание");
        CHECK(c->CallAsFunc(c->FindMethod(u"Alert"), &ret, &text, 1) && ret.vt == VTYPE_BOOL && ret.bVal);
        clear_var(mem, text);
        CHECK(!host.msgbox.alerts.empty() && host.msgbox.alerts.back() == "Внимание");
        CHECK(call_str(mem, c, c->FindMethod(u"PlatformVersion"), {}) == "8.3.25.1000");
        tVariant ai = empty_var();
        CHECK(c->CallAsFunc(c->FindMethod(u"AttachedInfo"), &ai, nullptr, 0) && ai.vt == VTYPE_I4 && ai.lVal == 1);
    }
    // GetInterface answering NULL (OneScript always does): the add-in copes.
    {
        host.offer_interfaces = false;
        tVariant ret = empty_var();
        tVariant text = str_var(mem, "x");
        CHECK(c->CallAsFunc(c->FindMethod(u"Alert"), &ret, &text, 1) && ret.vt == VTYPE_BOOL && !ret.bVal);
        clear_var(mem, text);
        CHECK(call_str(mem, c, c->FindMethod(u"PlatformVersion"), {}) == "");
        tVariant ai = empty_var();
        CHECK(c->CallAsFunc(c->FindMethod(u"AttachedInfo"), &ai, nullptr, 0) && ai.lVal == -1);
        host.offer_interfaces = true;
    }

    // Properties: a writable string, a type error, locale calls reaching the component.
    {
        long text = c->FindProp(u"ТЕКСТ");
        CHECK(c->IsPropReadable(text) && c->IsPropWritable(text));
        tVariant v = str_var(mem, "абв");
        CHECK(c->SetPropVal(text, &v));
        clear_var(mem, v);
        CHECK(get_prop_str(mem, c, u"Text") == "абв");
        tVariant bad = i4_var(1);
        size_t n = host.errors.size();
        CHECK(!c->SetPropVal(text, &bad) && host.errors.size() == n + 1);
        CHECK(get_prop_str(mem, c, u"Text") == "абв");
        static_cast<LocaleBase*>(c)->SetLocale(u"ru_RU");
        CHECK(get_prop_str(mem, c, u"Locale") == "ru_RU");
        static_cast<UserLanguageBase*>(c)->SetUserInterfaceLanguageCode(u"en");
        CHECK(get_prop_str(mem, c, u"Locale") == "ui:en");
    }

    // The platform runs out of memory: calls fail cleanly, nothing leaks.
    {
        mem.fail = true;
        tVariant v = empty_var();
        CHECK(!c->GetPropVal(c->FindProp(u"Text"), &v) && v.vt == VTYPE_EMPTY);
        WCHAR_T* name = (WCHAR_T*)0x1;
        CHECK(!c->RegisterExtensionAs(&name) && name == nullptr);
        CHECK(c->GetPropName(0, 0) == nullptr && c->GetMethodName(0, 1) == nullptr);
        tVariant ret = empty_var();
        tVariant in = i4_var(1);
        CHECK(c->CallAsFunc(echo, &ret, &in, 1));  // numbers need no memory
        mem.fail = false;
    }

    // After Done no event reaches the host.
    c->Done();
    {
        size_t events = host.events.size();
        tVariant ret = empty_var();
        tVariant data = str_var(mem, "late");
        c->CallAsFunc(c->FindMethod(u"Event"), &ret, &data, 1);
        clear_var(mem, data);
        clear_var(mem, ret);
        CHECK(host.events.size() == events);
    }
    IComponentBase* p = c;
    CHECK(lib.DestroyObject(&p) == 0 && p == nullptr);
    CHECK(mem.live.empty());
    CHECK(mem.bad_frees == 0 && mem.zero_requests == 0);
}

// A component with no host services at all: no Init connection, no memory manager.
static void test_without_host(Library& lib) {
    IComponentBase* c = lib.create(u"AbiProbe");
    CHECK(c != nullptr);
    if (!c) return;
    CHECK(!c->setMemManager(nullptr));
    CHECK(c->Init(nullptr));
    tVariant v = empty_var();
    CHECK(!c->GetPropVal(c->FindProp(u"Text"), &v));  // a string needs the memory manager
    tVariant ab[2] = {i4_var(20), i4_var(22)};
    CHECK(c->CallAsFunc(c->FindMethod(u"Sum"), &v, ab, 2) && v.lVal == 42);
    CHECK(!c->CallAsProc(c->FindMethod(u"Panic"), nullptr, 0));  // reported nowhere, survived
    CHECK(c->GetPropName(0, 0) == nullptr);
    c->Done();
    IComponentBase* p = c;
    CHECK(lib.DestroyObject(&p) == 0);
}

// Every way an object can be destroyed drops the component exactly once.
static void test_destruction(Library& lib) {
    CountingMemory mem;
    RecordingConnection host;
    auto make = [&]() {
        IComponentBase* c = lib.create(u"AbiProbe");
        if (c) { c->setMemManager(&mem); c->Init(static_cast<IAddInDefBase*>(&host)); }
        return c;
    };
    IComponentBase* watcher = make();
    CHECK(watcher != nullptr);
    if (!watcher) return;
    long base = get_prop_int(watcher, u"Live");

    IComponentBase* a = make();
    CHECK(get_prop_int(watcher, u"Live") == base + 1);
    a->Done();
    CHECK(lib.DestroyObject(&a) == 0 && a == nullptr);
    CHECK(get_prop_int(watcher, u"Live") == base);

    // OneScript: Done(), then `delete` through the virtual destructor.
    IComponentBase* b = make();
    b->Done();
    delete b;
    CHECK(get_prop_int(watcher, u"Live") == base);

    // Deleting through a secondary base pointer goes through that base's destructor thunk.
    IComponentBase* c = make();
    LocaleBase* as_locale = c;
    delete as_locale;
    CHECK(get_prop_int(watcher, u"Live") == base);
    IComponentBase* d = make();
    ILanguageExtenderBase* as_ext = d;
    delete as_ext;
    CHECK(get_prop_int(watcher, u"Live") == base);
    IComponentBase* e = make();
    UserLanguageBase* as_ui = e;
    delete as_ui;
    CHECK(get_prop_int(watcher, u"Live") == base);

    // A complete (non-deleting) destructor drops the component once; the object's memory stays
    // until DestroyObject frees it, and calls in between are harmless no-ops.
    IComponentBase* f = make();
    f->~IComponentBase();
    CHECK(get_prop_int(watcher, u"Live") == base);
    CHECK(f->GetNMethods() == 0 && f->FindMethod(u"Echo") == -1);
    f->~IComponentBase();
    CHECK(get_prop_int(watcher, u"Live") == base);
    CHECK(lib.DestroyObject(&f) == 0);
    CHECK(get_prop_int(watcher, u"Live") == base);

    // Two objects share nothing.
    IComponentBase* x = make();
    IComponentBase* y = make();
    tVariant v = str_var(mem, "only x");
    CHECK(x->SetPropVal(x->FindProp(u"Text"), &v));
    clear_var(mem, v);
    CHECK(get_prop_str(mem, y, u"Text") == "");
    CHECK(lib.DestroyObject(&x) == 0 && lib.DestroyObject(&y) == 0);

    CHECK(lib.DestroyObject(&watcher) == 0);
    CHECK(mem.live.empty() && mem.bad_frees == 0);
}

static int run_tests(const char* path, const std::string& version) {
    Library lib;
    if (!lib.load(path)) { std::fprintf(stderr, "cannot load %s\n", path); return 2; }
    test_loader(lib);
    test_bonusplus(lib, version);
    test_probe(lib);
    test_without_host(lib);
    test_destruction(lib);
    dlclose(lib.handle);
    std::printf("abi host: %d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}

#include "bench.h"

// ---- serve: a line protocol for driving one component from another program ---------------
//
// Requests (one per line, fields separated by TAB; strings escaped as \\ \t \n \r):
//   get PROP | set PROP VALUE | call METHOD [ARG...] | proc METHOD [ARG...] | locale CODE | quit
// Values are typed: s:TEXT (PWSTR), i:123 (I4/I8), d:1.5 (R8), b:1 (BOOL), e: (EMPTY).
// Answers: "ok" [TAB VALUE] or "err" TAB ADDERROR-TEXT. At the end: "mem" TAB live=N TAB bad=M.

static std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '\t': out += "\\t"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            default: out += c;
        }
    }
    return out;
}

static std::string unescape(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && s.compare(i, 2, "\\u") == 0 && i + 6 <= s.size()) {
            // \uXXXX: one UTF-16 unit, even a lone surrogate (as a 3-byte sequence u16() reads back),
            // so tests can pass the strings 1C can hold and UTF-8 cannot.
            unsigned unit = (unsigned)std::strtoul(s.substr(i + 2, 4).c_str(), nullptr, 16);
            out += char(0xe0 | (unit >> 12));
            out += char(0x80 | ((unit >> 6) & 0x3f));
            out += char(0x80 | (unit & 0x3f));
            i += 5;
        } else if (s[i] == '\\' && i + 1 < s.size()) {
            char n = s[++i];
            out += n == 't' ? '\t' : n == 'n' ? '\n' : n == 'r' ? '\r' : n;
        } else {
            out += s[i];
        }
    }
    return out;
}

static std::vector<std::string> split_tabs(const std::string& line) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (;;) {
        size_t tab = line.find('\t', start);
        parts.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
        if (tab == std::string::npos) break;
        start = tab + 1;
    }
    return parts;
}

static tVariant parse_value(CountingMemory& mem, const std::string& field) {
    std::string body = field.size() >= 2 ? field.substr(2) : "";
    char t = field.empty() ? 'e' : field[0];
    tVariant v = empty_var();
    switch (t) {
        case 's': return str_var(mem, unescape(body));
        case 'i': {
            long long x = std::atoll(body.c_str());
            if (x >= INT32_MIN && x <= INT32_MAX) { v.vt = VTYPE_I4; v.lVal = (int32_t)x; }
            else { v.vt = VTYPE_I8; v.llVal = x; }
            return v;
        }
        case 'd': v.vt = VTYPE_R8; v.dblVal = std::atof(body.c_str()); return v;
        case 'b': v.vt = VTYPE_BOOL; v.bVal = body == "1" || body == "true"; return v;
        default: return v;
    }
}

static std::string format_value(const tVariant& v) {
    char buf[64];
    switch (v.vt) {
        case VTYPE_PWSTR: return "s:" + escape(u8(v.wstr.pwstrVal, v.wstr.wstrLen));
        case VTYPE_I4: return "i:" + std::to_string(v.lVal);
        case VTYPE_I8: return "i:" + std::to_string(v.llVal);
        case VTYPE_R8: std::snprintf(buf, sizeof buf, "d:%.17g", v.dblVal); return buf;
        case VTYPE_BOOL: return std::string("b:") + (v.bVal ? "1" : "0");
        case VTYPE_EMPTY: return "e:";
        default: return "x:" + std::to_string(v.vt);
    }
}

static int run_serve(const char* path, const char* class_name) {
    Library lib;
    if (!lib.load(path)) { std::printf("err\tcannot load %s\n", path); return 2; }
    lib.SetPlatformCapabilities(eAppCapabilities3);
    CountingMemory mem;
    RecordingConnection host;
    IComponentBase* c = lib.create(u16(class_name).c_str());
    if (!c) { std::printf("err\tno class %s\n", class_name); return 2; }
    c->Init(static_cast<IAddInDefBaseEx*>(&host));
    c->setMemManager(&mem);
    char* raw = nullptr;
    size_t cap = 0;
    ssize_t n;
    std::string reply;
    while ((n = getline(&raw, &cap, stdin)) > 0) {
        std::string line(raw, (size_t)n);
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
        std::vector<std::string> f = split_tabs(line);
        const std::string& cmd = f[0];
        size_t errors_before = host.errors.size();
        auto error_text = [&]() {
            return host.errors.size() > errors_before ? escape(host.errors.back().descr) : std::string("(no message)");
        };
        if (cmd == "quit") break;
        if (cmd == "locale" && f.size() >= 2) {
            c->SetLocale(u16(f[1]).c_str());
            reply = "ok";
        } else if (cmd == "get" && f.size() >= 2) {
            tVariant v = empty_var();
            long prop = c->FindProp(u16(f[1]).c_str());
            if (prop >= 0 && c->GetPropVal(prop, &v)) { reply = "ok\t" + format_value(v); clear_var(mem, v); }
            else reply = "err\t" + error_text();
        } else if (cmd == "set" && f.size() >= 3) {
            tVariant v = parse_value(mem, f[2]);
            long prop = c->FindProp(u16(f[1]).c_str());
            reply = prop >= 0 && c->SetPropVal(prop, &v) ? "ok" : "err\t" + error_text();
            clear_var(mem, v);
        } else if ((cmd == "call" || cmd == "proc") && f.size() >= 2) {
            long m = c->FindMethod(u16(f[1]).c_str());
            std::vector<tVariant> params;
            for (size_t i = 2; i < f.size(); ++i) params.push_back(parse_value(mem, f[i]));
            // Like the platform: omitted trailing parameters get their defaults or EMPTY.
            for (long i = (long)params.size(); m >= 0 && i < c->GetNParams(m); ++i) {
                tVariant d = empty_var();
                c->GetParamDefValue(m, i, &d);
                params.push_back(d);
            }
            tVariant* p = params.empty() ? nullptr : params.data();
            tVariant ret = empty_var();
            bool ok = m >= 0 && (cmd == "call" ? c->CallAsFunc(m, &ret, p, (long)params.size())
                                               : c->CallAsProc(m, p, (long)params.size()));
            reply = ok ? (cmd == "call" ? "ok\t" + format_value(ret) : "ok") : "err\t" + error_text();
            clear_var(mem, ret);
            for (auto& v : params) clear_var(mem, v);
        } else {
            reply = "err\tbad request";
        }
        std::printf("%s\n", reply.c_str());
        std::fflush(stdout);
    }
    std::free(raw);
    c->Done();
    lib.DestroyObject(&c);
    std::printf("mem\tlive=%zu\tbad=%ld\tstatus=%zu\tresets=%d\n", mem.live.size(), mem.bad_frees, host.status.size(), host.status_resets);
    return mem.live.empty() && mem.bad_frees == 0 ? 0 : 1;
}

// ---- fuzz: random calls with random types and payloads --------------------------------------
//
// Drives one BonusPlus object with N random calls: method and property numbers in and out of
// range, random parameter counts, every vt (and garbage ones) with random payloads: broken and
// plausible JSON, huge and Cyrillic strings, NaN, dates out of range. It must not crash, and at
// the end every block handed over must be freed and nothing freed twice.

struct Rng {
    uint64_t s;
    uint64_t next() { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; }
    long below(long n) { return n <= 0 ? 0 : (long)(next() % (uint64_t)n); }
    bool chance(int percent) { return below(100) < percent; }
};

static std::string fuzz_text(Rng& r) {
    static const char* pieces[] = {
        "", " ", "{", "}", "[", "]", "\"", ":", ",", "null", "true", "false", "0", "-1", "1e400", "0.001",
        "\"lines\"", "\"lineNo\"", "\"sum\"", "\"quantity\"", "\"documentId\"", "\"phone\"", "\"bonusDebit\"",
        "79001112233", "+7 (900) 111-22-33", "4601234567893", "Привет", "\xF0\x9F\x98\x80", "\\u0000",
        "{\"documentId\":\"D1\",\"phone\":\"79001112233\",\"lines\":[{\"lineNo\":1,\"quantity\":1,\"sum\":100}]}",
        "{\"accrualPercent\":5}", "{\"store\":\"s\",\"items\":[{\"id\":\"1\",\"name\":\"x\"}]}",
        "{\"returnId\":\"R1\",\"documentId\":\"D1\",\"lines\":[{\"lineNo\":1,\"quantity\":1,\"sum\":1}]}",
    };
    const long n = sizeof(pieces) / sizeof(pieces[0]);
    std::string out;
    long parts = r.below(6);
    for (long i = 0; i < parts; ++i) out += pieces[r.below(n)];
    if (r.chance(2)) out += std::string((size_t)r.below(100000), 'x');
    if (r.chance(5)) { for (int i = 0; i < 8; ++i) out += (char)(1 + r.below(255)); }
    return out;
}

// A plausible order with random numbers, so calls also reach the calculation and the store.
static std::string fuzz_order(Rng& r) {
    std::string lines;
    long count = 1 + r.below(4);
    for (long i = 0; i < count; ++i) {
        char buf[200];
        std::snprintf(buf, sizeof buf, "%s{\"lineNo\":%ld,\"product\":\"P%ld\",\"quantity\":%ld,\"sum\":%ld.%02ld}",
                      i ? "," : "", i + 1 - (r.chance(5) ? 1 : 0), r.below(5), r.below(4) - (r.chance(5) ? 1 : 0),
                      r.below(10000) - (r.chance(3) ? 20000 : 0), r.below(100));
        lines += buf;
    }
    char head[300];
    std::snprintf(head, sizeof head,
                  "{\"documentId\":\"F%ld\",\"phone\":\"7900%07ld\",\"useBonuses\":%s,\"bonusDebit\":%s,\"lines\":[",
                  r.below(50), r.below(20), r.chance(50) ? "true" : "false", r.chance(50) ? "null" : "10");
    return std::string(head) + lines + "]}";
}

static tVariant fuzz_value(CountingMemory& mem, Rng& r) {
    static const unsigned short types[] = {VTYPE_EMPTY, VTYPE_NULL, VTYPE_I2, VTYPE_I4, VTYPE_R4, VTYPE_R8, VTYPE_DATE,
                                           VTYPE_TM, VTYPE_PSTR, VTYPE_INTERFACE, VTYPE_ERROR, VTYPE_BOOL, VTYPE_VARIANT,
                                           VTYPE_I1, VTYPE_UI1, VTYPE_UI2, VTYPE_UI4, VTYPE_I8, VTYPE_UI8, VTYPE_INT,
                                           VTYPE_UINT, VTYPE_HRESULT, VTYPE_PWSTR, VTYPE_BLOB, VTYPE_CLSID,
                                           VTYPE_PWSTR, VTYPE_PWSTR, VTYPE_PWSTR, 0x1003, 0x2016, 0x4016, 0xfff, 0xffff, 77};
    tVariant v = empty_var();
    v.vt = types[r.below(sizeof(types) / sizeof(types[0]))];
    switch (v.vt) {
        case VTYPE_PWSTR: {
            tVariant s = str_var(mem, r.chance(30) ? fuzz_order(r) : fuzz_text(r));
            return s;
        }
        case VTYPE_PSTR:
        case VTYPE_BLOB: {
            std::string t = fuzz_text(r);
            void* p = nullptr;
            mem.AllocMemory(&p, (unsigned long)t.size() + 1);
            std::memcpy(p, t.c_str(), t.size() + 1);
            v.str.pstrVal = (char*)p;
            v.str.strLen = (uint32_t)t.size();
            return v;
        }
        case VTYPE_R8: {
            static const double ds[] = {0.0, -0.0, 1.5, -100.25, 36.76, 1e300, -1e300, 0.1 + 0.2, 5e-324};
            v.dblVal = r.chance(10) ? (r.chance(50) ? NAN : INFINITY) : ds[r.below(9)];
            return v;
        }
        case VTYPE_DATE: v.date = (double)(r.below(6000000) - 3000000) / 3.0; return v;
        case VTYPE_TM:
            v.tmVal.tm_year = (int)r.below(20000) - 10000; v.tmVal.tm_mon = (int)r.below(15) - 1;
            v.tmVal.tm_mday = (int)r.below(35) - 1; v.tmVal.tm_hour = (int)r.below(30);
            v.tmVal.tm_min = (int)r.below(70); v.tmVal.tm_sec = (int)r.below(70);
            return v;
        default:
            v.ullVal = r.next();  // any bits for integers, bools and the types we refuse
            return v;
    }
}

static int run_fuzz(const char* path, long n, uint64_t seed, const char* data_dir) {
    Library lib;
    if (!lib.load(path)) return 2;
    lib.SetPlatformCapabilities(eAppCapabilities3);
    CountingMemory mem;
    RecordingConnection host;
    IComponentBase* c = lib.create(u"BonusPlus");
    c->Init(static_cast<IAddInDefBaseEx*>(&host));
    c->setMemManager(&mem);
    {
        tVariant dir = str_var(mem, data_dir);
        if (!c->SetPropVal(c->FindProp(u"DataDirectory"), &dir)) { std::fprintf(stderr, "cannot set DataDirectory\n"); return 2; }
        clear_var(mem, dir);
    }
    // Settings that would reach outside the sandbox (folders, the network) stay as they are.
    long protected_props[] = {c->FindProp(u"DataDirectory"), c->FindProp(u"Mode"), c->FindProp(u"ServerAddress")};
    long nm = c->GetNMethods(), np = c->GetNProps();
    Rng r{seed * 2654435761u + 1};
    long ok = 0, failed = 0;
    for (long i = 0; i < n; ++i) {
        long action = r.below(100);
        if (action < 80) {
            long m = r.below(nm + 4) - 2;
            long count = r.below(6);
            tVariant params[8];
            for (auto& p : params) p = empty_var();
            for (long k = 0; k < count; ++k) params[k] = fuzz_value(mem, r);
            tVariant ret = empty_var();
            bool res = r.chance(85) ? c->CallAsFunc(m, &ret, r.chance(3) ? nullptr : params, count)
                                    : c->CallAsProc(m, r.chance(3) ? nullptr : params, count);
            res ? ++ok : ++failed;
            clear_var(mem, ret);
            for (auto& p : params) clear_var(mem, p);
        } else if (action < 90) {
            tVariant v = empty_var();
            c->GetPropVal(r.below(np + 2) - 1, r.chance(2) ? nullptr : &v) ? ++ok : ++failed;
            clear_var(mem, v);
        } else if (action < 95) {
            long prop = r.below(np + 2) - 1;
            bool guarded = false;
            for (long pp : protected_props) guarded = guarded || pp == prop;
            if (guarded) continue;
            tVariant v = fuzz_value(mem, r);
            c->SetPropVal(prop, &v) ? ++ok : ++failed;
            clear_var(mem, v);
        } else {
            std::u16string name = u16(fuzz_text(r));
            switch (r.below(6)) {
                case 0: c->FindMethod(name.c_str()); break;
                case 1: c->FindProp(name.c_str()); break;
                case 2: { const WCHAR_T* s = c->GetMethodName(r.below(nm + 2) - 1, r.below(3) - 1); if (s) { void* p = (void*)s; mem.FreeMemory(&p); } break; }
                case 3: { tVariant d = empty_var(); c->GetParamDefValue(r.below(nm + 2) - 1, r.below(5) - 1, &d); clear_var(mem, d); break; }
                case 4: c->SetLocale(r.chance(50) ? u"en_US" : name.c_str()); break;
                default: static_cast<UserLanguageBase*>(c)->SetUserInterfaceLanguageCode(r.chance(50) ? u"ru" : name.c_str());
            }
        }
    }
    c->Done();
    lib.DestroyObject(&c);
    // A caught panic keeps the process alive, but it is still a bug: the run fails on any.
    long internal = 0;
    for (auto& e : host.errors) {
        if (e.descr.find("Внутренняя ошибка") != std::string::npos || e.descr.find("internal error") != std::string::npos) {
            if (internal++ < 5) std::fprintf(stderr, "internal error: %s\n", e.descr.c_str());
        }
    }
    std::printf("fuzz: %ld internal errors\n", internal);
    std::printf("fuzz: %ld random operations (seed %llu): %ld succeeded, %ld failed cleanly, %zu AddError messages; "
                "live blocks %zu, bad frees %ld\n",
                n, (unsigned long long)seed, ok, failed, host.errors.size(), mem.live.size(), mem.bad_frees);
    return mem.live.empty() && mem.bad_frees == 0 && internal == 0 ? 0 : 1;
}

// ---- classes: what GetClassObject answers for each name -------------------------------------
//
// Prints "names<TAB>" + GetClassNames, then per NAME "NAME<TAB>RESULT<TAB>ptr|null", destroying
// each object it got. Exit 0 unless the library does not load.
static int run_classes(const char* path, char** names, int count) {
    Library lib;
    if (!lib.load(path)) { std::printf("err\tcannot load %s\n", path); return 2; }
    const WCHAR_T* listed = lib.GetClassNames();
    std::printf("names\t%s\n", listed ? u8z(listed).c_str() : "(null)");
    for (int i = 0; i < count; ++i) {
        IComponentBase* c = nullptr;
        long rc = lib.GetClassObject(u16(names[i]).c_str(), &c);
        std::printf("%s\t%ld\t%s\n", names[i], rc, c ? "ptr" : "null");
        if (c) lib.DestroyObject(&c);
    }
    return 0;
}

int main(int argc, char** argv) {
    if (argc >= 4 && std::strcmp(argv[1], "test") == 0) return run_tests(argv[2], argv[3]);
    if (argc >= 6 && std::strcmp(argv[1], "bench") == 0)
        return run_bench(argv[2], argv[3], std::atol(argv[4]), std::atol(argv[5]));
    if (argc >= 5 && std::strcmp(argv[1], "bench-calc") == 0)
        return run_bench_calc(argv[2], argv[3], argv[4], argc >= 6 ? argv[5] : nullptr);
    if (argc >= 6 && std::strcmp(argv[1], "fuzz") == 0)
        return run_fuzz(argv[2], std::atol(argv[3]), std::strtoull(argv[4], nullptr, 10), argv[5]);
    if (argc >= 3 && std::strcmp(argv[1], "serve") == 0) return run_serve(argv[2], argc >= 4 ? argv[3] : "BonusPlus");
    if (argc >= 3 && std::strcmp(argv[1], "classes") == 0) return run_classes(argv[2], argv + 3, argc - 3);
    std::fprintf(stderr, "usage: host test LIB VERSION | host bench LIB FLOOR N ROUNDS | host bench-calc LIB DIR ORDER [FLOOR]"
                         " | host serve LIB [CLASS] | host fuzz LIB N SEED DIR | host classes LIB NAME...\n");
    return 2;
}
