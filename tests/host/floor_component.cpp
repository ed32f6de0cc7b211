// The floor for `cargo bench --bench abi`: a plain, hand-written C++ Native API component doing the
// same work as the add-in's benchmarked calls, built by the bench with g++ -O2 into its own `.so`
// and loaded by our host through dlopen exactly like the add-in. Its cost per call is what any
// component must pay: the virtual call, reading the host's variants, the work itself and one
// AllocMemory for a returned string. It checks nothing the bench inputs never need.
//
//   property Version (read-only string)       the add-in's Version
//   method Sum(a, b)                          AbiProbe.Sum
//   method NormalizePhone(text)               BonusPlus.NormalizePhone
//   method ParseScan(data)                    BonusPlus.ParseScan (cards, EAN check, trade items, phones)
//   method Calculate(order)                   BonusPlus.Calculate's reading and writing, with a
//                                             calculation of a few integer operations a line
//                                             (floor_calculate.h)
#include "addin_api.h"
#include "floor_calculate.h"

#include <cstring>
#include <vector>

#ifndef FLOOR_VERSION
#define FLOOR_VERSION u"0.0.0"
#endif

namespace {

const char16_t kVersion[] = FLOOR_VERSION;
const char16_t kClassNames[] = u"Floor";

bool same(const WCHAR_T* a, const char16_t* b) {
    if (!a) return false;
    while (*a && *a == *b) { ++a; ++b; }
    return *a == *b;
}

bool is_space(char16_t c) { return c == u' ' || c == u'\t' || c == 0xa0; }
bool is_digit(char16_t c) { return c >= u'0' && c <= u'9'; }

// 10 or 11 digits (7/8 first) with separators and one leading '+', into "7XXXXXXXXXX".
bool normalize(const char16_t* p, size_t n, char16_t out[11]) {
    size_t b = 0, e = n;
    while (b < e && (is_space(p[b]) || p[b] == u'\r' || p[b] == u'\n')) ++b;
    while (e > b && (is_space(p[e - 1]) || p[e - 1] == u'\r' || p[e - 1] == u'\n')) --e;
    if (b < e && p[b] == u'+') ++b;
    char16_t digits[12];
    size_t d = 0;
    for (size_t i = b; i < e; ++i) {
        char16_t c = p[i];
        if (is_digit(c)) {
            if (d == 12) return false;
            digits[d++] = c;
        } else if (!(is_space(c) || c == u'(' || c == u')' || c == u'-' || c == u'.')) {
            return false;
        }
    }
    if (d == 10) {
        out[0] = u'7';
        std::memcpy(out + 1, digits, 10 * sizeof(char16_t));
        return true;
    }
    if (d == 11 && (digits[0] == u'7' || digits[0] == u'8')) {
        out[0] = u'7';
        std::memcpy(out + 1, digits + 1, 10 * sizeof(char16_t));
        return true;
    }
    return false;
}

bool ean_ok(const char16_t* p, size_t n) {
    unsigned sum = 0;
    for (size_t i = 0; i + 1 < n; ++i) sum += (p[n - 2 - i] - u'0') * (i % 2 == 0 ? 3 : 1);
    return (10 - sum % 10) % 10 == unsigned(p[n - 1] - u'0');
}

// EAN-13 / UPC-A / EAN-8 of a GS1 trade item (src/scan/gs1.rs): a product, not a card.
bool trade_item(const char16_t* p, size_t n) {
    auto prefix13 = [](unsigned x) {
        return x <= 19 || (x >= 30 && x <= 39) || (x >= 60 && x <= 139) || (x >= 300 && x <= 969) ||
               (x >= 977 && x <= 979);
    };
    auto digit = [&](size_t i) { return unsigned(p[i] - u'0'); };
    if (n == 13) return prefix13(digit(0) * 100 + digit(1) * 10 + digit(2));
    if (n == 8) return p[0] != u'0' && p[0] != u'2';
    if (n == 12) return ean_ok(p, n) && prefix13(digit(0) * 10 + digit(1));
    return false;
}

class Floor : public IComponentBase {
public:
    IMemoryManager* mem = nullptr;

    bool ADDIN_API Init(void*) override { return true; }
    bool ADDIN_API setMemManager(void* m) override { mem = static_cast<IMemoryManager*>(m); return mem != nullptr; }
    long ADDIN_API GetInfo() override { return 2000; }
    void ADDIN_API Done() override {}

    bool ADDIN_API RegisterExtensionAs(WCHAR_T** name) override { return put(name, u"Floor", 5); }
    long ADDIN_API GetNProps() override { return 1; }
    long ADDIN_API FindProp(const WCHAR_T* name) override { return same(name, u"Version") ? 0 : -1; }
    const WCHAR_T* ADDIN_API GetPropName(long, long) override { return nullptr; }
    bool ADDIN_API GetPropVal(const long num, tVariant* v) override {
        if (num != 0 || !v) return false;
        return put_var(v, kVersion, sizeof kVersion / sizeof kVersion[0] - 1);
    }
    bool ADDIN_API SetPropVal(const long, tVariant*) override { return false; }
    bool ADDIN_API IsPropReadable(const long num) override { return num == 0; }
    bool ADDIN_API IsPropWritable(const long) override { return false; }
    long ADDIN_API GetNMethods() override { return 4; }
    long ADDIN_API FindMethod(const WCHAR_T* name) override {
        if (same(name, u"Sum")) return 0;
        if (same(name, u"NormalizePhone")) return 1;
        if (same(name, u"ParseScan")) return 2;
        if (same(name, u"Calculate")) return 3;
        return -1;
    }
    const WCHAR_T* ADDIN_API GetMethodName(const long, const long) override { return nullptr; }
    long ADDIN_API GetNParams(const long m) override { return m == 0 ? 2 : 1; }
    bool ADDIN_API GetParamDefValue(const long, const long, tVariant* v) override { if (v) v->vt = VTYPE_EMPTY; return false; }
    bool ADDIN_API HasRetVal(const long) override { return true; }
    bool ADDIN_API CallAsProc(const long, tVariant*, const long) override { return false; }
    bool ADDIN_API CallAsFunc(const long m, tVariant* ret, tVariant* params, const long count) override {
        if (!ret || !params) return false;
        switch (m) {
            case 0:
                if (count < 2 || params[0].vt != VTYPE_I4 || params[1].vt != VTYPE_I4) return false;
                ret->lVal = params[0].lVal + params[1].lVal;
                ret->vt = VTYPE_I4;
                return true;
            case 1: {
                if (count < 1 || params[0].vt != VTYPE_PWSTR) return false;
                char16_t phone[11];
                if (!normalize(params[0].wstr.pwstrVal, params[0].wstr.wstrLen, phone)) return false;
                return put_var(ret, phone, 11);
            }
            case 2:
                if (count < 1 || params[0].vt != VTYPE_PWSTR) return false;
                return parse_scan(ret, params[0].wstr.pwstrVal, params[0].wstr.wstrLen);
            case 3:
                if (count < 1 || params[0].vt != VTYPE_PWSTR || !params[0].wstr.pwstrVal) return false;
                return calculate(ret, params[0].wstr.pwstrVal, params[0].wstr.wstrLen);
        }
        return false;
    }

    void ADDIN_API SetLocale(const WCHAR_T*) override {}
    void ADDIN_API SetUserInterfaceLanguageCode(const WCHAR_T*) override {}

private:
    bool put(WCHAR_T** out, const char16_t* s, size_t n) {
        if (!out || !mem || !mem->AllocMemory((void**)out, (unsigned long)((n + 1) * sizeof(WCHAR_T)))) return false;
        std::memcpy(*out, s, n * sizeof(WCHAR_T));
        (*out)[n] = 0;
        return true;
    }
    bool put_var(tVariant* v, const char16_t* s, size_t n) {
        WCHAR_T* p = nullptr;
        if (!put(&p, s, n)) return false;
        v->wstr.pwstrVal = p;
        v->wstr.wstrLen = (uint32_t)n;
        v->vt = VTYPE_PWSTR;
        return true;
    }

    // The order read, the answer written into a buffer kept between calls (sized for the widest
    // answer) and copied into a block of its exact size from the host.
    std::vector<char16_t> answer_;
    bool calculate(tVariant* ret, const char16_t* p, size_t n) {
        floor_calc::Order order;
        if (!floor_calc::Reader(p, n).order(order)) return false;
        size_t bound = floor_calc::answer_bound(order);
        if (answer_.size() < bound) answer_.resize(bound);
        size_t len = floor_calc::write_answer(order, answer_.data());
        return put_var(ret, answer_.data(), len);
    }

    // Control characters out, spaces trimmed, an AIM prefix dropped; then a phone (tel:, '+',
    // 11 digits from 7/8, 10 from 9) or an EAN-8/13 with its check digit, else a card as it stands.
    bool parse_scan(tVariant* ret, const char16_t* p, size_t n) {
        if (n > 512) return false;
        char16_t text[512];
        size_t len = 0;
        for (size_t i = 0; i < n; ++i)
            if (p[i] >= 0x20 && p[i] != 0x7f) text[len++] = p[i];
        size_t b = 0, e = len;
        while (b < e && is_space(text[b])) ++b;
        while (e > b && is_space(text[e - 1])) --e;
        if (e - b >= 3 && text[b] == u']') b += 3;
        while (b < e && is_space(text[b])) ++b;
        if (b == e) return false;
        const char16_t* t = text + b;
        size_t tn = e - b;
        bool digits_only = true;
        for (size_t i = 0; i < tn; ++i) digits_only = digits_only && is_digit(t[i]);
        const char16_t* phone_text = nullptr;
        size_t phone_len = 0;
        if (tn > 4 && (t[0] | 0x20) == u't' && (t[1] | 0x20) == u'e' && (t[2] | 0x20) == u'l' && t[3] == u':') {
            phone_text = t + 4; phone_len = tn - 4;
        } else if (t[0] == u'+' || (digits_only && ((tn == 11 && (t[0] == u'7' || t[0] == u'8')) || (tn == 10 && t[0] == u'9')))) {
            phone_text = t; phone_len = tn;
        }
        static const char16_t kPhone[] = u"{\"kind\":\"phone\",\"value\":\"";
        static const char16_t kCard[] = u"{\"kind\":\"card\",\"value\":\"";
        static const char16_t kProduct[] = u"{\"kind\":\"product\",\"value\":\"";
        char16_t out[600];
        size_t on = 0;
        auto append = [&](const char16_t* s, size_t k) { std::memcpy(out + on, s, k * sizeof(char16_t)); on += k; };
        if (phone_text) {
            char16_t phone[11];
            if (!normalize(phone_text, phone_len, phone)) return false;
            append(kPhone, sizeof kPhone / 2 - 1);
            append(phone, 11);
        } else {
            if (digits_only && (tn == 8 || tn == 13) && !ean_ok(t, tn)) return false;
            if (digits_only && trade_item(t, tn)) append(kProduct, sizeof kProduct / 2 - 1);
            else append(kCard, sizeof kCard / 2 - 1);
            for (size_t i = 0; i < tn; ++i) {
                if (t[i] == u'"' || t[i] == u'\\') out[on++] = u'\\';
                out[on++] = t[i];
            }
        }
        append(u"\"}", 2);
        return put_var(ret, out, on);
    }
};

}  // namespace

extern "C" {
__attribute__((visibility("default"))) const WCHAR_T* GetClassNames() { return kClassNames; }
__attribute__((visibility("default"))) long GetClassObject(const WCHAR_T* name, IComponentBase** out) {
    if (!out || !same(name, kClassNames)) return 0;
    *out = new Floor;
    return 1;
}
__attribute__((visibility("default"))) long DestroyObject(IComponentBase** p) {
    if (!p || !*p) return -1;
    delete *p;
    *p = nullptr;
    return 0;
}
__attribute__((visibility("default"))) AppCapabilities SetPlatformCapabilities(const AppCapabilities) { return eAppCapabilities3; }
__attribute__((visibility("default"))) AttachType GetAttachType() { return eCanAttachAny; }
}
