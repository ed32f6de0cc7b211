// The floor's Calculate (tests/host/floor_component.cpp): what a plain hand-written C++ component
// pays at the boundary for a 100-line Calculate — read the order's UTF-16 JSON in one pass, write
// an answer of the contract's shape as UTF-16 (the component copies it into the host's block) —
// with a calculation reduced to integer arithmetic per line (5 % off each line's sum, 3 % of what
// is left accrued, the fiscal split into at most two prices), no policy, no store, no checks
// beyond the JSON's shape.
// The add-in's answer for the bench's order is the same text but for the kopecks its document-
// level distribution moves between lines; the host compares the two answers' lengths.
//
// It reads the shape 1C's JSON writer gives (what the bench sends): known keys, strings without
// escapes, non-negative numbers without an exponent; anything else is refused (false).
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace floor_calc {

// A key against a literal: length, then the units as bytes.
template <size_t N>
bool is(std::u16string_view key, const char16_t (&name)[N]) {
    return key.size() == N - 1 && std::memcmp(key.data(), name, (N - 1) * sizeof(char16_t)) == 0;
}

struct Line {
    int64_t line_no = 0;
    std::string product, name;
    int64_t quantity_millis = 0, price_kopecks = 0, sum_kopecks = 0;
};

struct Order {
    std::string document_id, phone;
    bool use_bonuses = false;
    std::vector<Line> lines;
};

class Reader {
public:
    Reader(const char16_t* p, size_t n) : p_(p), end_(p + n) {}

    bool order(Order& out) {
        if (!eat('{')) return false;
        do {
            std::u16string_view key;
            if (!this->key(key)) return false;
            if (is(key, u"phone")) {
                if (!string(out.phone)) return false;
            } else if (is(key, u"documentId")) {
                if (!string(out.document_id)) return false;
            } else if (is(key, u"useBonuses")) {
                if (!boolean(out.use_bonuses)) return false;
            } else if (is(key, u"lines")) {
                if (!lines(out.lines)) return false;
            } else {
                return false;
            }
        } while (eat(','));
        if (!eat('}')) return false;
        space();
        return p_ == end_;
    }

private:
    const char16_t* p_;
    const char16_t* end_;

    void space() {
        while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
    }
    bool eat(char16_t c) {
        space();
        if (p_ < end_ && *p_ == c) { ++p_; return true; }
        return false;
    }
    // The units of a string without escapes or control characters, and the closing quote taken.
    bool raw_string(std::u16string_view& out) {
        if (!eat('"')) return false;
        const char16_t* start = p_;
        while (p_ < end_ && *p_ != '"' && *p_ != '\\' && *p_ >= 0x20) ++p_;
        if (p_ == end_ || *p_ != '"') return false;
        out = std::u16string_view(start, size_t(p_ - start));
        ++p_;
        return true;
    }
    bool key(std::u16string_view& out) { return raw_string(out) && eat(':'); }
    // As UTF-8 (what a C++ component keeps); a lone surrogate is refused.
    bool string(std::string& out) {
        std::u16string_view units;
        if (!raw_string(units)) return false;
        out.clear();
        for (size_t i = 0; i < units.size(); ++i) {
            uint32_t c = units[i];
            if (c < 0x80) {
                out.push_back(char(c));
            } else if (c < 0x800) {
                out.push_back(char(0xc0 | (c >> 6)));
                out.push_back(char(0x80 | (c & 0x3f)));
            } else if (c >= 0xd800 && c <= 0xdfff) {
                if (c > 0xdbff || i + 1 == units.size() || units[i + 1] < 0xdc00 || units[i + 1] > 0xdfff) return false;
                c = 0x10000 + ((c - 0xd800) << 10) + (units[++i] - 0xdc00);
                out.push_back(char(0xf0 | (c >> 18)));
                out.push_back(char(0x80 | ((c >> 12) & 0x3f)));
                out.push_back(char(0x80 | ((c >> 6) & 0x3f)));
                out.push_back(char(0x80 | (c & 0x3f)));
            } else {
                out.push_back(char(0xe0 | (c >> 12)));
                out.push_back(char(0x80 | ((c >> 6) & 0x3f)));
                out.push_back(char(0x80 | (c & 0x3f)));
            }
        }
        return true;
    }
    bool boolean(bool& out) {
        space();
        if (end_ - p_ >= 4 && std::memcmp(p_, u"true", 8) == 0) { p_ += 4; out = true; return true; }
        if (end_ - p_ >= 5 && std::memcmp(p_, u"false", 10) == 0) { p_ += 5; out = false; return true; }
        return false;
    }
    // A non-negative number of at most 18 digits with at most `scale` decimals, as an integer
    // of 10^-scale units (kopecks for 2, thousandths for 3).
    bool fixed(int64_t& out, int scale) {
        space();
        int64_t value = 0;
        int digits = 0, decimals = -1;
        for (; p_ < end_; ++p_) {
            char16_t c = *p_;
            if (c >= '0' && c <= '9') {
                if (++digits > 18 || decimals == scale) return false;
                value = value * 10 + (c - '0');
                if (decimals >= 0) ++decimals;
            } else if (c == '.' && decimals < 0 && digits > 0) {
                decimals = 0;
            } else {
                break;
            }
        }
        if (digits == 0 || decimals == 0) return false;
        for (int d = decimals < 0 ? 0 : decimals; d < scale; ++d) value *= 10;
        out = value;
        return true;
    }
    bool line(Line& line) {
        if (!eat('{')) return false;
        do {
            std::u16string_view key;
            if (!this->key(key)) return false;
            bool ok;
            if (is(key, u"lineNo")) ok = fixed(line.line_no, 0);
            else if (is(key, u"product")) ok = string(line.product);
            else if (is(key, u"name")) ok = string(line.name);
            else if (is(key, u"quantity")) ok = fixed(line.quantity_millis, 3);
            else if (is(key, u"price")) ok = fixed(line.price_kopecks, 2);
            else if (is(key, u"sum")) ok = fixed(line.sum_kopecks, 2);
            else ok = false;
            if (!ok) return false;
        } while (eat(','));
        return eat('}');
    }
    bool lines(std::vector<Line>& out) {
        if (!eat('[')) return false;
        if (eat(']')) return true;
        do {
            out.emplace_back();
            if (!line(out.back())) return false;
        } while (eat(','));
        return eat(']');
    }
};

// The answer's UTF-16 units, written into a block of a size known beforehand.
class Writer {
public:
    explicit Writer(char16_t* out) : out_(out), at_(out) {}
    size_t size() const { return size_t(at_ - out_); }

    template <size_t N>
    void put(const char16_t (&text)[N]) {
        std::memcpy(at_, text, (N - 1) * sizeof(char16_t));
        at_ += N - 1;
    }
    void string(const std::string& utf8) {
        *at_++ = '"';
        for (size_t i = 0; i < utf8.size();) {
            unsigned char b = utf8[i];
            if (b < 0x80) {
                if (b == '"' || b == '\\') *at_++ = '\\';
                *at_++ = b;
                i += 1;
            } else if (b < 0xe0) {
                *at_++ = char16_t(((b & 0x1f) << 6) | (utf8[i + 1] & 0x3f));
                i += 2;
            } else if (b < 0xf0) {
                *at_++ = char16_t(((b & 0x0f) << 12) | ((utf8[i + 1] & 0x3f) << 6) | (utf8[i + 2] & 0x3f));
                i += 3;
            } else {
                uint32_t c = ((b & 0x07) << 18) | ((utf8[i + 1] & 0x3f) << 12) | ((utf8[i + 2] & 0x3f) << 6) |
                             (utf8[i + 3] & 0x3f);
                c -= 0x10000;
                *at_++ = char16_t(0xd800 + (c >> 10));
                *at_++ = char16_t(0xdc00 + (c & 0x3ff));
                i += 4;
            }
        }
        *at_++ = '"';
    }
    // `value` units of 10^-scale in its shortest form: no trailing zeros, no point without a
    // fraction ("2869.52", "525.2", "5", "0").
    void fixed(int64_t value, int scale) {
        if (value < 0) { *at_++ = '-'; value = -value; }
        uint64_t v = uint64_t(value);
        while (scale > 0 && v % 10 == 0) { v /= 10; --scale; }
        uint64_t unit = 1;
        for (int i = 0; i < scale; ++i) unit *= 10;
        char digits[48];
        char* end = std::to_chars(digits, digits + 24, v / unit).ptr;
        if (scale > 0) {
            // The fraction with its leading zeros: 10^scale + fraction, its first digit dropped.
            char fraction[24];
            char* f_end = std::to_chars(fraction, fraction + 24, unit + v % unit).ptr;
            *end++ = '.';
            std::memcpy(end, fraction + 1, size_t(f_end - fraction - 1));
            end += f_end - fraction - 1;
        }
        for (char* d = digits; d < end; ++d) *at_++ = char16_t(*d);
    }

private:
    char16_t* out_;
    char16_t* at_;
};

inline int64_t percent_of(int64_t kopecks, int64_t percent) { return (kopecks * percent + 50) / 100; }

// Units the answer can take: the fixed text of the document and of a line, every number at its
// widest (20 units), every text at two units a byte (an escape), two fiscal lines a line.
inline size_t answer_bound(const Order& order) {
    size_t bound = 1024 + order.document_id.size() * 2 + order.phone.size() * 2;
    return bound + order.lines.size() * (512 + 2 * 3 * 20);
}

// The answer into `out` (at least answer_bound units); how many units it took.
inline size_t write_answer(const Order& order, char16_t* out) {
    const int64_t kDiscount = 5, kAccrual = 3;
    int64_t document_sum = 0, discount = 0, accrual = 0;
    for (const Line& l : order.lines) {
        int64_t d = percent_of(l.sum_kopecks, kDiscount);
        document_sum += l.sum_kopecks;
        discount += d;
        accrual += percent_of(l.sum_kopecks - d, kAccrual);
    }
    Writer w(out);
    w.put(u"{\"documentId\":");
    w.string(order.document_id);
    w.put(u",\"phone\":");
    w.string(order.phone);
    w.put(u",\"documentSum\":"); w.fixed(document_sum, 2);
    w.put(u",\"discountPercent\":"); w.fixed(kDiscount, 0);
    w.put(u",\"percentDiscountSum\":"); w.fixed(discount, 2);
    w.put(u",\"availableBonuses\":0,\"maxBonusDebit\":0,\"bonusDebit\":0,\"bonusDebitSum\":0");
    w.put(u",\"totalDiscount\":"); w.fixed(discount, 2);
    w.put(u",\"toPay\":"); w.fixed(document_sum - discount, 2);
    w.put(u",\"bonusAccrual\":"); w.fixed(accrual, 2);
    w.put(u",\"messages\":[],\"lines\":[");
    for (size_t i = 0; i < order.lines.size(); ++i) {
        const Line& l = order.lines[i];
        int64_t d = percent_of(l.sum_kopecks, kDiscount), after = l.sum_kopecks - d;
        if (i > 0) w.put(u",");
        w.put(u"{\"lineNo\":"); w.fixed(l.line_no, 0);
        w.put(u",\"sum\":"); w.fixed(l.sum_kopecks, 2);
        w.put(u",\"percentDiscountSum\":"); w.fixed(d, 2);
        w.put(u",\"bonusDebitSum\":0,\"discountSum\":"); w.fixed(d, 2);
        w.put(u",\"discountPercent\":"); w.fixed(kDiscount, 0);
        w.put(u",\"sumAfter\":"); w.fixed(after, 2);
        w.put(u",\"bonusAccrual\":"); w.fixed(percent_of(after, kAccrual), 2);
        w.put(u",\"fiscalLines\":[");
        // Whole units: `rest` of them a kopeck dearer, so the prices add up to the sum.
        int64_t units = l.quantity_millis / 1000;
        if (units > 0 && l.quantity_millis % 1000 == 0) {
            int64_t price = after / units, rest = after % units;
            if (rest > 0) {
                w.put(u"{\"quantity\":"); w.fixed(rest, 0);
                w.put(u",\"price\":"); w.fixed(price + 1, 2);
                w.put(u",\"sum\":"); w.fixed(rest * (price + 1), 2);
                w.put(u"},");
            }
            w.put(u"{\"quantity\":"); w.fixed(units - rest, 0);
            w.put(u",\"price\":"); w.fixed(price, 2);
            w.put(u",\"sum\":"); w.fixed((units - rest) * price, 2);
            w.put(u"}");
        } else {
            w.put(u"{\"quantity\":"); w.fixed(l.quantity_millis, 3);
            w.put(u",\"price\":"); w.fixed(l.quantity_millis ? after * 1000 / l.quantity_millis : 0, 2);
            w.put(u",\"sum\":"); w.fixed(after, 2);
            w.put(u"}");
        }
        w.put(u"]}");
    }
    w.put(u"]}");
    return w.size();
}

}  // namespace floor_calc
