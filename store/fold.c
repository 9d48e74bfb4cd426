/*
 * fold.c - the code points a path may not hold because servers and
 * frameworks fold or normalise them into other text, most often ASCII.
 *
 * Deny rules compare ASCII letters in any case and other bytes exactly
 * (match.c).  A backend that lower-cases with Java's toLowerCase(), folds
 * case with ICU or Python's casefold(), or normalises to NFKC reads
 * "/api/v1/\u212Aeys" (KELVIN SIGN) as "/api/v1/keys" and
 * "/api/v1/patient\u017F" (LONG S) as "/api/v1/patients", stepping around
 * a deny on either.  The request parser (request.c) therefore refuses a
 * decoded path holding any code point of this table.
 *
 * The table is derived from the Unicode Character Database 14.0:
 *   - every assigned code point above U+007F whose NFKC form
 *     (UnicodeData.txt decompositions), full lower, upper or title case
 *     mapping (UnicodeData.txt, SpecialCasing.txt), or full case folding
 *     (CaseFolding.txt, statuses C and F; also of the NFKC form) holds an
 *     ASCII character: U+212A KELVIN SIGN "k", U+017F LONG S "s", U+0130
 *     "i" U+0307, U+0131 DOTLESS I "I", U+00DF SHARP S "ss", the
 *     ligatures U+FB00..U+FB06 "ff".."st", the fullwidth forms
 *     U+FF01..U+FF5E "!".."~", U+2024 ONE DOT LEADER ".", mathematical
 *     letters and digits, enclosed and squared letters;
 *   - U+2126 OHM SIGN and U+212B ANGSTROM SIGN, which even NFC turns into
 *     the letters U+03A9 and U+00C5 a rule may name;
 *   - every Default_Ignorable_Code_Point (DerivedCoreProperties.txt):
 *     invisible, and dropped by NFKC_Casefold, so "pati\u00ADents" (SOFT
 *     HYPHEN) reads as "patients".
 * Each entry names its first code point and what that becomes: its NFKC
 * form or its full case folding ("fold") when that holds ASCII, its NFC
 * form (OHM SIGN), or "ignorable"; a range holds consecutive code points
 * that all qualify, each for its own reason.
 * Unicode's stability policies keep the decompositions and foldings of
 * assigned characters; a newer version mostly adds entries.
 * tests/e2e/request_unicode.sh checks every code point against Python's
 * own Unicode database.
 */
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

struct range {
	uint32_t lo, hi;
};

/* Sorted, not overlapping: found by binary search. */
static const struct range folding[] = {
    {0x00A0, 0x00A0},   /* no-break space: NFKC " " */
    {0x00A8, 0x00A8},   /* diaeresis: NFKC " " U+0308 */
    {0x00AA, 0x00AA},   /* feminine ordinal indicator: NFKC "a" */
    {0x00AD, 0x00AD},   /* soft hyphen: ignorable */
    {0x00AF, 0x00AF},   /* macron: NFKC " " U+0304 */
    {0x00B2, 0x00B4},   /* superscript two..: NFKC "2" */
    {0x00B8, 0x00BA},   /* cedilla..: NFKC " " U+0327 */
    {0x00BC, 0x00BE},   /* vulgar fraction one quarte~: NFKC "1" U+2044 "4" */
    {0x00DF, 0x00DF},   /* latin small letter sharp s: fold "ss" */
    {0x0130, 0x0133},   /* latin capital letter i with do~: fold "i" U+0307 */
    {0x013F, 0x0140},   /* latin capital letter l with mi~: NFKC "L" U+00B7 */
    {0x0149, 0x0149},   /* latin small letter n preceded~: NFKC U+02BC "n" */
    {0x017F, 0x017F},   /* latin small letter long s: NFKC "s" */
    {0x01C4, 0x01CC},   /* latin capital letter dz with c~: NFKC "D" U+017D */
    {0x01F0, 0x01F3},   /* latin small letter j with caro~: fold "j" U+030C */
    {0x02B0, 0x02B0},   /* modifier letter small h: NFKC "h" */
    {0x02B2, 0x02B3},   /* modifier letter small j..: NFKC "j" */
    {0x02B7, 0x02B8},   /* modifier letter small w..: NFKC "w" */
    {0x02D8, 0x02DD},   /* breve..: NFKC " " U+0306 */
    {0x02E1, 0x02E3},   /* modifier letter small l..: NFKC "l" */
    {0x034F, 0x034F},   /* combining grapheme joiner: ignorable */
    {0x037A, 0x037A},   /* greek ypogegrammeni: NFKC " " U+0345 */
    {0x037E, 0x037E},   /* greek question mark: NFKC ";" */
    {0x0384, 0x0385},   /* greek tonos..: NFKC " " U+0301 */
    {0x061C, 0x061C},   /* arabic letter mark: ignorable */
    {0x115F, 0x1160},   /* hangul choseong filler..: ignorable */
    {0x17B4, 0x17B5},   /* khmer vowel inherent aq..: ignorable */
    {0x180B, 0x180F},   /* mongolian free variation selector on~: ignorable */
    {0x1D2C, 0x1D2C},   /* modifier letter capital a: NFKC "A" */
    {0x1D2E, 0x1D2E},   /* modifier letter capital b: NFKC "B" */
    {0x1D30, 0x1D31},   /* modifier letter capital d..: NFKC "D" */
    {0x1D33, 0x1D3A},   /* modifier letter capital g..: NFKC "G" */
    {0x1D3C, 0x1D3C},   /* modifier letter capital o: NFKC "O" */
    {0x1D3E, 0x1D43},   /* modifier letter capital p..: NFKC "P" */
    {0x1D47, 0x1D49},   /* modifier letter small b..: NFKC "b" */
    {0x1D4D, 0x1D4D},   /* modifier letter small g: NFKC "g" */
    {0x1D4F, 0x1D50},   /* modifier letter small k..: NFKC "k" */
    {0x1D52, 0x1D52},   /* modifier letter small o: NFKC "o" */
    {0x1D56, 0x1D58},   /* modifier letter small p..: NFKC "p" */
    {0x1D5B, 0x1D5B},   /* modifier letter small v: NFKC "v" */
    {0x1D62, 0x1D65},   /* latin subscript small letter i..: NFKC "i" */
    {0x1D9C, 0x1D9C},   /* modifier letter small c: NFKC "c" */
    {0x1DA0, 0x1DA0},   /* modifier letter small f: NFKC "f" */
    {0x1DBB, 0x1DBB},   /* modifier letter small z: NFKC "z" */
    {0x1E96, 0x1E9A},   /* latin small letter h with line~: fold "h" U+0331 */
    {0x1E9E, 0x1E9E},   /* latin capital letter sharp s: fold "ss" */
    {0x1FBD, 0x1FBD},   /* greek koronis: NFKC " " U+0313 */
    {0x1FBF, 0x1FC1},   /* greek psili..: NFKC " " U+0313 */
    {0x1FCD, 0x1FCF},   /* greek psili and varia..: NFKC " " U+0313 U+0300 */
    {0x1FDD, 0x1FDF},   /* greek dasia and varia..: NFKC " " U+0314 U+0300 */
    {0x1FED, 0x1FEF},   /* greek dialytika and var~: NFKC " " U+0308 U+0300 */
    {0x1FFD, 0x1FFE},   /* greek oxia..: NFKC " " U+0301 */
    {0x2000, 0x200F},   /* en quad..: NFKC " " */
    {0x2017, 0x2017},   /* double low line: NFKC " " U+0333 */
    {0x2024, 0x2026},   /* one dot leader..: NFKC "." */
    {0x202A, 0x202F},   /* left-to-right embedding..: ignorable */
    {0x203C, 0x203C},   /* double exclamation mark: NFKC "!!" */
    {0x203E, 0x203E},   /* overline: NFKC " " U+0305 */
    {0x2047, 0x2049},   /* double question mark..: NFKC "??" */
    {0x205F, 0x2071},   /* medium mathematical space..: NFKC " " */
    {0x2074, 0x207A},   /* superscript four..: NFKC "4" */
    {0x207C, 0x208A},   /* superscript equals sign..: NFKC "=" */
    {0x208C, 0x208E},   /* subscript equals sign..: NFKC "=" */
    {0x2090, 0x2093},   /* latin subscript small letter a..: NFKC "a" */
    {0x2095, 0x209C},   /* latin subscript small letter h..: NFKC "h" */
    {0x20A8, 0x20A8},   /* rupee sign: NFKC "Rs" */
    {0x2100, 0x2103},   /* account of..: NFKC "a/c" */
    {0x2105, 0x2106},   /* care of..: NFKC "c/o" */
    {0x2109, 0x210E},   /* degree fahrenheit..: NFKC U+00B0 "F" */
    {0x2110, 0x2113},   /* script capital i..: NFKC "I" */
    {0x2115, 0x2116},   /* double-struck capital n..: NFKC "N" */
    {0x2119, 0x211D},   /* double-struck capital p..: NFKC "P" */
    {0x2120, 0x2122},   /* service mark..: NFKC "SM" */
    {0x2124, 0x2124},   /* double-struck capital z: NFKC "Z" */
    {0x2126, 0x2126},   /* ohm sign: NFC U+03A9 */
    {0x2128, 0x2128},   /* black-letter capital z: NFKC "Z" */
    {0x212A, 0x212D},   /* kelvin sign..: NFKC "K" */
    {0x212F, 0x2131},   /* script small e..: NFKC "e" */
    {0x2133, 0x2134},   /* script capital m..: NFKC "M" */
    {0x2139, 0x2139},   /* information source: NFKC "i" */
    {0x213B, 0x213B},   /* facsimile sign: NFKC "FAX" */
    {0x2145, 0x2149},   /* double-struck italic capital d..: NFKC "D" */
    {0x2150, 0x217F},   /* vulgar fraction one sevent~: NFKC "1" U+2044 "7" */
    {0x2189, 0x2189},   /* vulgar fraction zero thirds: NFKC "0" U+2044 "3" */
    {0x2460, 0x24EA},   /* circled digit one..: NFKC "1" */
    {0x2A74, 0x2A76},   /* double colon equal..: NFKC "::=" */
    {0x2C7C, 0x2C7D},   /* latin subscript small letter j..: NFKC "j" */
    {0x3000, 0x3000},   /* ideographic space: NFKC " " */
    {0x309B, 0x309C},   /* katakana-hiragana voiced sound~: NFKC " " U+3099 */
    {0x3164, 0x3164},   /* hangul filler: ignorable */
    {0x3200, 0x321E},   /* parenthesized hangul kiyeo~: NFKC "(" U+1100 ")" */
    {0x3220, 0x3243},   /* parenthesized ideograph on~: NFKC "(" U+4E00 ")" */
    {0x3250, 0x325F},   /* partnership sign..: NFKC "PTE" */
    {0x32B1, 0x32CF},   /* circled number thirty six..: NFKC "36" */
    {0x3358, 0x337A},   /* ideographic telegraph symbol f~: NFKC "0" U+70B9 */
    {0x3380, 0x33FF},   /* square pa amps..: NFKC "pA" */
    {0xA7F2, 0xA7F4},   /* modifier letter capital c..: NFKC "C" */
    {0xFB00, 0xFB06},   /* latin small ligature ff..: NFKC "ff" */
    {0xFB29, 0xFB29},   /* hebrew letter alternative plus sign: NFKC "+" */
    {0xFC5E, 0xFC63},   /* arabic ligature shadda~: NFKC " " U+064C U+0651 */
    {0xFDFA, 0xFDFB},   /* arabic ligat~: NFKC U+0635 U+0644 U+0649 " " ... */
    {0xFE00, 0xFE10},   /* variation selector-1..: ignorable */
    {0xFE13, 0xFE16},   /* presentation form for vertical colon..: NFKC ":" */
    {0xFE19, 0xFE19},   /* presentation form for vertical hori~: NFKC "..." */
    {0xFE30, 0xFE30},   /* presentation form for vertical two d~: NFKC ".." */
    {0xFE33, 0xFE38},   /* presentation form for vertical low li~: NFKC "_" */
    {0xFE47, 0xFE50},   /* presentation form for vertical left s~: NFKC "[" */
    {0xFE52, 0xFE52},   /* small full stop: NFKC "." */
    {0xFE54, 0xFE57},   /* small semicolon..: NFKC ";" */
    {0xFE59, 0xFE5C},   /* small left parenthesis..: NFKC "(" */
    {0xFE5F, 0xFE66},   /* small number sign..: NFKC "#" */
    {0xFE68, 0xFE6B},   /* small reverse solidus..: NFKC "\\" */
    {0xFE70, 0xFE70},   /* arabic fathatan isolated form: NFKC " " U+064B */
    {0xFE72, 0xFE72},   /* arabic dammatan isolated form: NFKC " " U+064C */
    {0xFE74, 0xFE74},   /* arabic kasratan isolated form: NFKC " " U+064D */
    {0xFE76, 0xFE76},   /* arabic fatha isolated form: NFKC " " U+064E */
    {0xFE78, 0xFE78},   /* arabic damma isolated form: NFKC " " U+064F */
    {0xFE7A, 0xFE7A},   /* arabic kasra isolated form: NFKC " " U+0650 */
    {0xFE7C, 0xFE7C},   /* arabic shadda isolated form: NFKC " " U+0651 */
    {0xFE7E, 0xFE7E},   /* arabic sukun isolated form: NFKC " " U+0652 */
    {0xFEFF, 0xFEFF},   /* zero width no-break space: ignorable */
    {0xFF01, 0xFF5E},   /* fullwidth exclamation mark..: NFKC "!" */
    {0xFFA0, 0xFFA0},   /* halfwidth hangul filler: ignorable */
    {0xFFE3, 0xFFE3},   /* fullwidth macron: NFKC " " U+0304 */
    {0xFFF0, 0xFFF8},   /* <unassigned-fff0>..: ignorable */
    {0x107A5, 0x107A5}, /* modifier letter small q: NFKC "q" */
    {0x1BCA0, 0x1BCA3}, /* shorthand format letter overlap..: ignorable */
    {0x1D173, 0x1D17A}, /* musical symbol begin beam..: ignorable */
    {0x1D400, 0x1D454}, /* mathematical bold capital a..: NFKC "A" */
    {0x1D456, 0x1D49C}, /* mathematical italic small i..: NFKC "i" */
    {0x1D49E, 0x1D49F}, /* mathematical script capital c..: NFKC "C" */
    {0x1D4A2, 0x1D4A2}, /* mathematical script capital g: NFKC "G" */
    {0x1D4A5, 0x1D4A6}, /* mathematical script capital j..: NFKC "J" */
    {0x1D4A9, 0x1D4AC}, /* mathematical script capital n..: NFKC "N" */
    {0x1D4AE, 0x1D4B9}, /* mathematical script capital s..: NFKC "S" */
    {0x1D4BB, 0x1D4BB}, /* mathematical script small f: NFKC "f" */
    {0x1D4BD, 0x1D4C3}, /* mathematical script small h..: NFKC "h" */
    {0x1D4C5, 0x1D505}, /* mathematical script small p..: NFKC "p" */
    {0x1D507, 0x1D50A}, /* mathematical fraktur capital d..: NFKC "D" */
    {0x1D50D, 0x1D514}, /* mathematical fraktur capital j..: NFKC "J" */
    {0x1D516, 0x1D51C}, /* mathematical fraktur capital s..: NFKC "S" */
    {0x1D51E, 0x1D539}, /* mathematical fraktur small a..: NFKC "a" */
    {0x1D53B, 0x1D53E}, /* mathematical double-struck capital~: NFKC "D" */
    {0x1D540, 0x1D544}, /* mathematical double-struck capital~: NFKC "I" */
    {0x1D546, 0x1D546}, /* mathematical double-struck capital o: NFKC "O" */
    {0x1D54A, 0x1D550}, /* mathematical double-struck capital~: NFKC "S" */
    {0x1D552, 0x1D6A3}, /* mathematical double-struck small a..: NFKC "a" */
    {0x1D7CE, 0x1D7FF}, /* mathematical bold digit zero..: NFKC "0" */
    {0x1F100, 0x1F10A}, /* digit zero full stop..: NFKC "0." */
    {0x1F110, 0x1F12E}, /* parenthesized latin capital lette~: NFKC "(A)" */
    {0x1F130, 0x1F14F}, /* squared latin capital letter a..: NFKC "A" */
    {0x1F16A, 0x1F16C}, /* raised mc sign..: NFKC "MC" */
    {0x1F190, 0x1F190}, /* square dj: NFKC "DJ" */
    {0x1FBF0, 0x1FBF9}, /* segmented digit zero..: NFKC "0" */
    {0xE0000, 0xE0FFF}, /* tags, variation selectors 17-256..: ignorable */
};

int
cerbo__cp_folds(uint32_t cp)
{
	size_t lo = 0, hi = sizeof(folding) / sizeof(folding[0]), mid;

	if (cp < 0x80)
		return 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cp < folding[mid].lo)
			hi = mid;
		else if (cp > folding[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

/*
 * The code point at s (n > 0 bytes left) and, in *len, its length.  The
 * caller has validated the UTF-8; a truncated sequence would count as
 * one byte of U+FFFD.
 */
static uint32_t
decode(const unsigned char *s, size_t n, size_t *len)
{
	size_t k, need;
	uint32_t c;

	*len = 1;
	if (s[0] < 0x80)
		return s[0];
	if (s[0] >= 0xf0) {
		need = 4;
		c = s[0] & 0x07;
	} else if (s[0] >= 0xe0) {
		need = 3;
		c = s[0] & 0x0f;
	} else {
		need = 2;
		c = s[0] & 0x1f;
	}
	if (need > n)
		return 0xfffd;
	for (k = 1; k < need; k++)
		c = c << 6 | (s[k] & 0x3f);
	*len = need;
	return c;
}

int
cerbo__utf8_find_folding(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t c;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		c = decode(p + i, len - i, &n);
		if (cerbo__cp_folds(c)) {
			if (cp != NULL)
				*cp = c;
			return 1;
		}
		i += n;
	}
	return 0;
}
