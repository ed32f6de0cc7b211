// ---- bench: the add-in against a plain C++ component (tests/host/floor_component.cpp) ----------
//
//   host bench LIB FLOOR_LIB N ROUNDS    each case N calls per round on the add-in, then on the
//                                        floor (the order alternates by round); prints the median
//                                        ns per call of each and the median of the per-round ratios
//   host bench-calc LIB DIR ORDER_FILE [FLOOR_LIB]
//                                        BonusPlus.Calculate of the order in ORDER_FILE (data in
//                                        DIR); each line "N" on stdin runs N calls and answers the
//                                        ns per call, so another process can interleave its rounds;
//                                        "floor N" the same of the floor's Calculate, "sizes" the
//                                        length of each one's answer
//
// Both components get the same memory manager: plain malloc/free with a count, so the floor pays
// no bookkeeping that would hide the add-in's own cost.
#pragma once

#include <algorithm>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>

class PlainMemory : public IMemoryManager {
public:
    long allocs = 0, frees = 0;
    bool ADDIN_API AllocMemory(void** p, unsigned long bytes) override {
        if (!p) return false;
        *p = std::malloc(bytes ? bytes : 1);
        if (!*p) return false;
        ++allocs;
        return true;
    }
    void ADDIN_API FreeMemory(void** p) override {
        if (!p || !*p) return;
        std::free(*p);
        *p = nullptr;
        ++frees;
    }
};

static void plain_clear(PlainMemory& mem, tVariant& v) {
    if ((v.vt == VTYPE_PWSTR || v.vt == VTYPE_PSTR || v.vt == VTYPE_BLOB) && v.str.pstrVal) {
        void* p = v.str.pstrVal;
        mem.FreeMemory(&p);
    }
    v = empty_var();
}

static tVariant plain_str(PlainMemory& mem, const std::string& s) {
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

static double median(std::vector<double> xs) {
    std::sort(xs.begin(), xs.end());
    size_t n = xs.size();
    return n == 0 ? 0 : (n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2);
}

template <class F>
static double ns_per_call(long n, F&& call) {
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < n; ++i) call(i);
    auto t1 = std::chrono::steady_clock::now();
    return std::chrono::duration<double, std::nano>(t1 - t0).count() / n;
}

static int run_bench(const char* path, const char* floor_path, long n, long rounds) {
    Library lib, floor;
    if (!lib.load(path) || !floor.load(floor_path)) return 2;
    lib.SetPlatformCapabilities(eAppCapabilities3);
    floor.SetPlatformCapabilities(eAppCapabilities3);
    PlainMemory mem;
    RecordingConnection host;
    auto attach = [&](IComponentBase* c) {
        if (!c) return c;
        c->Init(static_cast<IAddInDefBase*>(&host));
        c->setMemManager(&mem);
        return c;
    };
    // AbiProbe exists only in the test build (feature `probe`); without it (the shipped build)
    // the trivial-method case is left out.
    IComponentBase* probe = attach(lib.create(u"AbiProbe"));
    IComponentBase* bonus = attach(lib.create(u"BonusPlus"));
    IComponentBase* plain = attach(floor.create(u"Floor"));
    if (!bonus || !plain) { std::fprintf(stderr, "cannot create the components\n"); return 2; }

    tVariant sum_params[2] = {i4_var(1), i4_var(2)};
    tVariant phone = plain_str(mem, "+7 (900) 111-22-33");
    tVariant scan = plain_str(mem, "\x02" "4601234567893\r\n");
    auto string_call = [&](IComponentBase* c, long m, tVariant* param) {
        tVariant ret = empty_var();
        bool ok = c->CallAsFunc(m, &ret, param, 1);
        std::string s = ok ? var_str(ret) : "<fail>";
        plain_clear(mem, ret);
        return s;
    };
    auto prop_call = [&](IComponentBase* c, long p) {
        tVariant ret = empty_var();
        bool ok = c->GetPropVal(p, &ret);
        std::string s = ok ? var_str(ret) : "<fail>";
        plain_clear(mem, ret);
        return s;
    };
    struct Side { IComponentBase* c; long sum, version, norm, scan; };
    Side sides[2] = {
        {bonus, probe ? probe->FindMethod(u"Sum") : -1, bonus->FindProp(u"Version"), bonus->FindMethod(u"NormalizePhone"),
         bonus->FindMethod(u"ParseScan")},
        {plain, plain->FindMethod(u"Sum"), plain->FindProp(u"Version"), plain->FindMethod(u"NormalizePhone"),
         plain->FindMethod(u"ParseScan")},
    };
    long long checksum = 0;
    // The add-in's Sum lives on the AbiProbe object; every other case on BonusPlus.
    auto sum_target = [&](int side) { return side == 0 ? probe : plain; };
    struct Case { const char* name; std::function<void(int, long)> call; std::function<std::string(int)> result; };
    std::vector<Case> cases = {
        {"trivial method (2 x I4 -> I4)",
         [&](int s, long i) {
             tVariant ret = empty_var();
             sum_params[0].lVal = (int32_t)(i & 0xffff);
             sum_target(s)->CallAsFunc(sides[s].sum, &ret, sum_params, 2);
             checksum += ret.lVal;
         },
         [&](int s) {
             tVariant ret = empty_var();
             sum_params[0].lVal = 40;
             return sum_target(s)->CallAsFunc(sides[s].sum, &ret, sum_params, 2) ? std::to_string(ret.lVal) : "<fail>";
         }},
        {"string property (Version)",
         [&](int s, long) {
             tVariant ret = empty_var();
             sides[s].c->GetPropVal(sides[s].version, &ret);
             plain_clear(mem, ret);
         },
         [&](int s) { return prop_call(sides[s].c, sides[s].version); }},
        {"NormalizePhone (PWSTR -> PWSTR)",
         [&](int s, long) {
             tVariant ret = empty_var();
             sides[s].c->CallAsFunc(sides[s].norm, &ret, &phone, 1);
             plain_clear(mem, ret);
         },
         [&](int s) { return string_call(sides[s].c, sides[s].norm, &phone); }},
        {"ParseScan (PWSTR -> JSON)",
         [&](int s, long) {
             tVariant ret = empty_var();
             sides[s].c->CallAsFunc(sides[s].scan, &ret, &scan, 1);
             plain_clear(mem, ret);
         },
         [&](int s) { return string_call(sides[s].c, sides[s].scan, &scan); }},
    };
    // ABI_BENCH_ONLY=text keeps the cases whose name contains it (for a profiler run).
    const char* only = std::getenv("ABI_BENCH_ONLY");
    {
        std::vector<Case> kept;
        for (auto& c : cases)
            if ((!only || std::strstr(c.name, only)) && (probe || std::strstr(c.name, "trivial") == nullptr))
                kept.push_back(c);
        cases = kept;
    }
    // The same answers from both, or the comparison means nothing.
    bool same_answers = true;
    for (auto& c : cases) {
        std::string ours = c.result(0), theirs = c.result(1);
        if (ours != theirs || ours == "<fail>") {
            std::fprintf(stderr, "%s: add-in answered %s, floor %s\n", c.name, ours.c_str(), theirs.c_str());
            same_answers = false;
        }
    }
    if (!same_answers) return 1;
    // ABI_BENCH_SIDE=addin|floor: only that side's calls, no warm-up (for counting instructions
    // under callgrind, where the difference between two call counts is the cost of the calls).
    const char* side = std::getenv("ABI_BENCH_SIDE");
    if (side) {
        int s = std::strcmp(side, "floor") == 0 ? 1 : 0;
        for (auto& c : cases)
            for (long i = 0; i < n; ++i) c.call(s, i);
        std::printf("abi: %ld calls on the %s side\n", n, s == 0 ? "add-in" : "floor");
    } else {
        for (auto& c : cases)
            for (int s = 0; s < 2; ++s) ns_per_call(n / 10 + 1, [&](long i) { c.call(s, i); });  // warm up
    }

    std::vector<std::vector<double>> ours(cases.size()), theirs(cases.size()), ratios(cases.size());
    for (long r = 0; r < (side ? 0 : rounds); ++r) {
        for (size_t k = 0; k < cases.size(); ++k) {
            double t[2];
            for (int j = 0; j < 2; ++j) {
                int s = (r % 2 == 0) ? j : 1 - j;
                t[s] = ns_per_call(n, [&](long i) { cases[k].call(s, i); });
            }
            ours[k].push_back(t[0]);
            theirs[k].push_back(t[1]);
            ratios[k].push_back(t[0] / t[1]);
        }
    }
    if (!side) {
        std::printf("abi: %ld rounds x %ld calls per case, interleaved; medians (checksum %lld)\n", rounds, n, checksum);
        std::printf("abi: %-34s %12s %12s %8s\n", "case", "add-in ns", "C++ ns", "ratio");
    }
    for (size_t k = 0; k < (side ? 0 : cases.size()); ++k)
        std::printf("abi: %-34s %12.1f %12.1f %7.2fx\n", cases[k].name, median(ours[k]), median(theirs[k]),
                    median(ratios[k]));

    plain_clear(mem, phone);
    plain_clear(mem, scan);
    lib.DestroyObject(&bonus);
    if (probe) lib.DestroyObject(&probe);
    floor.DestroyObject(&plain);
    if (mem.allocs != mem.frees) {
        std::fprintf(stderr, "bench: %ld blocks allocated, %ld freed\n", mem.allocs, mem.frees);
        return 1;
    }
    return 0;
}

static int run_bench_calc(const char* path, const char* data_dir, const char* order_file, const char* floor_path) {
    Library lib, floor;
    if (!lib.load(path) || (floor_path && !floor.load(floor_path))) return 2;
    lib.SetPlatformCapabilities(eAppCapabilities3);
    PlainMemory mem;
    RecordingConnection host;
    IComponentBase* c = lib.create(u"BonusPlus");
    if (!c) return 2;
    c->Init(static_cast<IAddInDefBase*>(&host));
    c->setMemManager(&mem);
    IComponentBase* plain = nullptr;
    if (floor_path) {
        floor.SetPlatformCapabilities(eAppCapabilities3);
        plain = floor.create(u"Floor");
        if (!plain) { std::fprintf(stderr, "cannot create the floor component\n"); return 2; }
        plain->Init(static_cast<IAddInDefBase*>(&host));
        plain->setMemManager(&mem);
    }
    std::ifstream in(order_file);
    std::stringstream text;
    text << in.rdbuf();
    tVariant dir = plain_str(mem, data_dir), order = plain_str(mem, text.str());
    if (!c->SetPropVal(c->FindProp(u"DataDirectory"), &dir)) { std::fprintf(stderr, "cannot set DataDirectory\n"); return 2; }
    plain_clear(mem, dir);
    // Side 0 the add-in, side 1 the floor; a call gives its answer's length, 0 when it failed.
    IComponentBase* sides[2] = {c, plain};
    long methods[2] = {c->FindMethod(u"Calculate"), plain ? plain->FindMethod(u"Calculate") : -1};
    auto call = [&](int s) -> size_t {
        tVariant ret = empty_var();
        size_t units = sides[s]->CallAsFunc(methods[s], &ret, &order, 1) ? ret.wstr.wstrLen : 0;
        plain_clear(mem, ret);
        return units;
    };
    if (!call(0)) {
        for (auto& e : host.errors) std::fprintf(stderr, "Calculate failed: %s\n", e.descr.c_str());
        return 1;
    }
    if (plain && !call(1)) { std::fprintf(stderr, "the floor's Calculate failed\n"); return 1; }
    // "N": N calls of the add-in, answered with ns per call; "floor N": of the floor;
    // "sizes": the UTF-16 units of each one's answer.
    std::string line;
    while (std::getline(std::cin, line)) {
        int s = 0;
        if (line.rfind("floor ", 0) == 0 && plain) {
            s = 1;
            line = line.substr(6);
        } else if (line == "sizes") {
            std::printf("%zu %zu\n", call(0), plain ? call(1) : 0);
            std::fflush(stdout);
            continue;
        }
        long n = std::atol(line.c_str());
        if (n <= 0) break;
        std::printf("%.1f\n", ns_per_call(n, [&](long) { call(s); }));
        std::fflush(stdout);
    }
    plain_clear(mem, order);
    lib.DestroyObject(&c);
    if (plain) floor.DestroyObject(&plain);
    return mem.allocs == mem.frees && host.errors.empty() ? 0 : 1;
}
