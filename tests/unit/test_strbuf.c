/* test_strbuf.c - the string buffer behind every rendering, and its JSON
 * escaping, which tests eight bytes at a time: every byte value at every
 * offset of a word must come out exactly as a byte-at-a-time escaper
 * writes it. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "strbuf.h"

/* The reference: one byte at a time, as RFC 8259 and strbuf.h say. */
static void ref_escape(char *out, const char *s)
{
	*out++ = '"';
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			*out++ = '\\';
			*out++ = (char)c;
		} else if (c == '\n') {
			out += sprintf(out, "\\n");
		} else if (c == '\t') {
			out += sprintf(out, "\\t");
		} else if (c == '\r') {
			out += sprintf(out, "\\r");
		} else if (c < 0x20 || c == 0x7f) {
			out += sprintf(out, "\\u%04x", c);
		} else {
			*out++ = (char)c;
		}
	}
	*out++ = '"';
	*out = '\0';
}

Test(strbuf, json_escape_every_byte_at_every_offset)
{
	struct strbuf sb;
	char in[40], want[300];
	int c, at, len;

	sb_init(&sb);
	for (c = 1; c < 256; c++) {
		for (len = 1; len <= 24; len++) {
			for (at = 0; at < len; at++) {
				memset(in, 'a', (size_t)len);
				in[len] = '\0';
				in[at] = (char)c;
				ref_escape(want, in);
				sb_reset(&sb);
				sb_json_str(&sb, in);
				cr_assert_not_null(sb_str(&sb));
				cr_assert_str_eq(sb_str(&sb), want,
						 "byte 0x%02x at %d of %d", c,
						 at, len);
			}
		}
	}
	sb_reset(&sb);
	sb_json_str(&sb, NULL);
	cr_expect_str_eq(sb_str(&sb), "null");
	sb_reset(&sb);
	sb_json_str(&sb, "");
	cr_expect_str_eq(sb_str(&sb), "\"\"");
	sb_reset(&sb);
	sb_json_str(&sb, "\xc3\xa9t\xc3\xa9 \"q\" \x7f\x1f" "0123456789abcdef");
	cr_expect_str_eq(sb_str(&sb), "\"\xc3\xa9t\xc3\xa9 \\\"q\\\" \\u007f"
				      "\\u001f0123456789abcdef\"",
			 "UTF-8 passes through, the rest is escaped");
	sb_free(&sb);
}

/* Appends that fit use the inline path, the others grow the buffer; the
 * text stays terminated either way. */
Test(strbuf, appends_grow_and_terminate)
{
	struct strbuf sb;
	char want[5000];
	int i;

	sb_init(&sb);
	cr_expect_str_eq(sb_str(&sb), "");
	for (i = 0; i < 4000; i++) {
		sb_putc(&sb, (char)('a' + i % 26));
		want[i] = (char)('a' + i % 26);
		want[i + 1] = '\0';
		cr_assert_eq(sb.s[sb.len], '\0');
	}
	cr_expect_str_eq(sb_str(&sb), want);
	sb_puts(&sb, "end");
	sb_putn(&sb, "xyz", 2);
	sb_int(&sb, -42);
	cr_expect_str_eq(sb_str(&sb) + 4000, "endxy-42");
	sb_reset(&sb);
	cr_expect_str_eq(sb_str(&sb), "");
	sb_free(&sb);
}

/* sb_int() writes its digits into the buffer directly: every length of
 * number, both signs and the extremes, at every distance from the end of
 * the buffer (the buffer grows by doubling from 256 bytes), as printf. */
Test(strbuf, int_as_printf)
{
	static const long values[] = {0,	  1,	    9,	       10,
				      99,	  100,	    65535,     4294967295L,
				      -1,	  -9,	    -10,       -100000,
				      LONG_MAX,	  LONG_MIN, LONG_MIN + 1};
	struct strbuf sb;
	char want[64];
	size_t i, pad;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		for (pad = 230; pad < 260; pad++) {
			size_t k;

			sb_init(&sb);
			for (k = 0; k < pad; k++)
				sb_putc(&sb, 'x');
			sb_int(&sb, values[i]);
			snprintf(want, sizeof(want), "%ld", values[i]);
			cr_assert_eq(sb.len, pad + strlen(want));
			cr_assert_str_eq(sb_str(&sb) + pad, want, "pad %zu",
					 pad);
			cr_assert_eq(sb.s[sb.len], '\0');
			sb_free(&sb);
		}
}

/* sb_put16() appends the first n bytes of its 16, at every distance from
 * the end of the buffer, growing it when the 16 do not fit. */
Test(strbuf, put16_takes_n_bytes)
{
	static const char piece[16] = ",D12345678901234";
	struct strbuf sb;
	size_t n, pad, k;

	for (n = 0; n < 16; n++)
		for (pad = 230; pad < 260; pad++) {
			sb_init(&sb);
			for (k = 0; k < pad; k++)
				sb_putc(&sb, 'x');
			sb_put16(&sb, piece, n);
			sb_putc(&sb, '|');
			cr_assert_eq(sb.len, pad + n + 1);
			cr_assert(!memcmp(sb.s + pad, piece, n), "n %zu pad %zu",
				  n, pad);
			cr_assert_eq(sb.s[pad + n], '|');
			cr_assert_eq(sb.s[sb.len], '\0');
			sb_free(&sb);
		}
}
