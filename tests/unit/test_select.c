/* test_select.c - selector resolution: the maps selectors are found in, the
 * one-pass readers of ids and IPv4 addresses in front of them, and what a
 * selector text resolves to. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "eval.h"
#include "hash.h"
#include "model.h"

/* ------------------------------------------------------ addr_parse_ipv4 -- */

/* Every text made of four of these octets (or three, or five) and a tail
 * must read as addr_parse_fast() reads it, address required. */
static const char *const octets[] = {
    "0",    "00",  "01",  "1",	 "9",	"10",	"09",  "99",  "100",
    "199",  "200", "249", "250", "255", "256",	"260", "300", "999",
    "1000", "",	   "a",	  "-1",	 " 1",	"0255", "1e",  "25 "};
static const char *const tails[] = {"",	 ".", "/",  "/32", "/0",
				    " ", "a", ".1", ":",   "\n"};

static void expect_agrees(const char *text)
{
	struct sg_prefix p;
	uint32_t v = 0xdeadbeef;
	size_t n = addr_parse_ipv4(text, &v);
	int rc = addr_parse_fast(text, 0, &p, NULL);

	if (rc == 0 && p.fam == 4) {
		cr_assert_eq(n, strlen(text), "'%s' is an address", text);
		cr_assert_eq((uint64_t)v << 32, p.a.hi, "'%s'", text);
	} else {
		cr_assert_eq(n, 0, "'%s' is not a plain IPv4 address", text);
		cr_assert_eq(v, 0xdeadbeef, "'%s': *out untouched", text);
	}
}

Test(select, ipv4_reader_agrees_with_the_grammar)
{
	const size_t no = sizeof(octets) / sizeof(octets[0]);
	const size_t nt = sizeof(tails) / sizeof(tails[0]);
	char text[64];
	size_t a, b, c, d, t;

	for (a = 0; a < no; a++)
		for (b = 0; b < no; b++)
			for (c = 0; c < no; c++)
				for (d = 0; d < no; d++)
					for (t = 0; t < nt; t++) {
						snprintf(text, sizeof(text),
							 "%s.%s.%s.%s%s",
							 octets[a], octets[b],
							 octets[c], octets[d],
							 tails[t]);
						expect_agrees(text);
					}
	for (a = 0; a < no; a++)
		for (t = 0; t < nt; t++) {
			snprintf(text, sizeof(text), "1.2.3%s%s", octets[a],
				 tails[t]);
			expect_agrees(text);
			snprintf(text, sizeof(text), "1.2.3.4.%s%s", octets[a],
				 tails[t]);
			expect_agrees(text);
		}
	expect_agrees("");
	expect_agrees("::ffff:1.2.3.4");
	expect_agrees("1.2.3.4\xff");
}

/* ----------------------------------------------------------- sel_id_key -- */

/* The reference: an optional "eni-" and 1 to 32 lowercase hex digits. */
static int is_id_class(const char *s)
{
	size_t n;

	if (!strncmp(s, "eni-", 4))
		s += 4;
	n = strspn(s, "0123456789abcdef");
	return n >= 1 && n <= 32 && s[n] == '\0';
}

static const char *const ids[] = {
    "0",
    "00",
    "000",
    "1",
    "01",
    "10",
    "f",
    "0f",
    "e",
    "eni",
    "eni-",
    "eni-0",
    "eni-00",
    "eni-e",
    "eni-eni-1",
    "ENI-0a",
    "eni-0A",
    "0A",
    "g",
    "eni-0a1b2c3d4e5f60718",
    "eni-0a1b2c3d4e5f6071",
    "eni-0a1b2c3d4e5f607180",
    "0a1b2c3d4e5f60718",
    "27234b173f6337dd6771fd016ca10837",
    "27234b173f6337dd6771fd016ca1083",
    "27234b173f6337dd6771fd016ca108370",
    "027234b173f6337dd6771fd016ca1083",
    "0000000000000000",
    "00000000000000000",
    "0000000000000001",
    "00000000000000001",
    "10000000000000000",
    "1000000000000000",
    "ffffffffffffffffffffffffffffffff",
    "fffffffffffffffffffffffffffffffff",
    "eni-ffffffffffffffffffffffffffffffff",
    "10.0.0.1",
    "arn:aws:ecs:eu-west-1:1:task/c/00ff",
    "service:00ff",
    "00ff ",
    " 00ff",
};

Test(select, id_keys_are_one_to_one)
{
	const size_t n = sizeof(ids) / sizeof(ids[0]);
	struct kkey k[sizeof(ids) / sizeof(ids[0])];
	size_t i, j;

	for (i = 0; i < n; i++) {
		int is = sel_id_key(ids[i], strlen(ids[i]), &k[i]);

		cr_expect_eq(is, is_id_class(ids[i]), "'%s'", ids[i]);
		if (is) {
			cr_expect_neq(k[i].tag, 0, "'%s'", ids[i]);
		} else {
			k[i].tag = 0;
		}
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			cr_expect(!k[i].tag || !k[j].tag ||
				      memcmp(&k[i], &k[j],
					     offsetof(struct kkey, tag) +
						 sizeof(k[i].tag)),
				  "'%s' and '%s' have one key", ids[i], ids[j]);
}

/* One byte of an id changed to each byte value, at every position: the
 * text stays keyed exactly when the byte is a lowercase hex digit (the
 * reader tests eight bytes at a time, so each position of a word). */
Test(select, id_reader_tests_every_byte)
{
	static const char *const base[] = {
	    "eni-0a1b2c3d4e5f60718", "27234b173f6337dd6771fd016ca10837",
	    "0a1b2c3d", "0a1b2c3d4e5f6071", "0a1b2c3d4e5f60718"};
	char t[64];
	size_t b, i;
	int c;

	for (b = 0; b < sizeof(base) / sizeof(base[0]); b++)
		for (i = 0; i < strlen(base[b]); i++)
			for (c = 1; c < 256; c++) {
				struct kkey k;

				snprintf(t, sizeof(t), "%s", base[b]);
				t[i] = (char)c;
				cr_assert_eq(sel_id_key(t, strlen(t), &k),
					     is_id_class(t), "'%s'", t);
			}
}

/* Many random ids, each once in a map: as many keys as distinct texts,
 * and each text finds its own value. */
Test(select, random_ids_have_distinct_keys)
{
	static char texts[4000][40];
	struct kmap km = {0};
	unsigned int seed = 1;
	uint32_t i, val;

	for (i = 0; i < 4000; i++) {
		size_t n, j;

		seed = seed * 1103515245u + 12345u;
		n = 1 + (seed >> 16) % 32;
		j = (seed >> 8) & 1 ? (memcpy(texts[i], "eni-", 4), 4) : 0;
		for (; n; n--, j++) {
			seed = seed * 1103515245u + 12345u;
			/* few distinct digits: near misses are likely */
			texts[i][j] = "0f1a"[(seed >> 16) & 3];
		}
		texts[i][j] = '\0';
	}
	for (i = 0; i < 4000; i++) {
		struct kkey k;

		cr_assert(sel_id_key(texts[i], strlen(texts[i]), &k));
		cr_assert_eq(kmap_put(&km, &k, i), 0);
	}
	for (i = 0; i < 4000; i++) {
		struct kkey k;
		uint32_t j, first = i;

		for (j = 0; j < i; j++)
			if (!strcmp(texts[j], texts[i])) {
				first = j;
				break;
			}
		cr_assert(sel_id_key(texts[i], strlen(texts[i]), &k));
		cr_assert(kmap_get(&km, &k, &val));
		/* the last of equal texts put wins */
		for (j = 3999; j > first && strcmp(texts[j], texts[i]); j--)
			;
		cr_assert_eq(val, j, "'%s'", texts[i]);
	}
	kmap_free(&km);
}

/* ------------------------------------------------------------ the maps -- */

Test(select, fixed_key_maps)
{
	struct kmap km = {0};
	struct u32map um = {0};
	uint32_t i, val;

	cr_expect_eq(kmap_get(&km, &(struct kkey){1, 2, 3}, &val), 0);
	cr_expect_eq(u32map_get(&um, 7, &val), 0);
	/* Sequential keys, as addresses of one subnet are: through several
	 * doublings, every key still found, and absent keys not. */
	for (i = 0; i < 5000; i++) {
		struct kkey k = {i, i * 3u, 1 + (i & 1)};

		cr_assert_eq(kmap_put(&km, &k, i), 0);
		cr_assert_eq(u32map_put(&um, 0x0a000000u + i, i * 2), 0);
	}
	cr_assert_eq(u32map_put(&um, 0xffffffffu, 5), 0, "all ones is a key");
	cr_expect_eq(u32map_put(&um, 1, UINT32_MAX), -EINVAL,
		     "UINT32_MAX is the empty marker, not a value");
	cr_expect_eq(kmap_put(&km, &(struct kkey){1, 2, 0}, 1), -EINVAL,
		     "tag 0 is the empty marker");
	cr_assert_eq(kmap_put(&km, &(struct kkey){4, 12, 1}, 99), 0,
		     "replaces");
	cr_expect_eq(km.count, 5000);
	cr_expect_eq(um.count, 5001);
	for (i = 0; i < 5000; i++) {
		struct kkey k = {i, i * 3u, 1 + (i & 1)};

		cr_assert(kmap_get(&km, &k, &val));
		cr_assert_eq(val, i == 4 ? 99 : i);
		k.tag ^= 3; /* the other tag: another key */
		cr_assert_eq(kmap_get(&km, &k, &val), 0);
		cr_assert(u32map_get(&um, 0x0a000000u + i, &val));
		cr_assert_eq(val, i * 2);
	}
	cr_expect(u32map_get(&um, 0xffffffffu, &val) && val == 5);
	cr_expect_eq(u32map_get(&um, 0x0b000000u, &val), 0);
	kmap_free(&km);
	u32map_free(&um);
	cr_expect_null(km.slots);
	cr_expect_null(um.slots);
}

/* ---------------------------------------------------------- resolution -- */

static sgreach_model *model(int addr_like_id)
{
	sgreach_model *m = sgreach_model_new();

	cr_assert_not_null(m);
#define OK(call) cr_assert_eq((call), 0, "%s", #call)
	OK(sgreach_model_add_endpoint(m, "eni-0a1b2c", SGREACH_ENDPOINT_ENI,
				      "vpc-1", NULL, NULL));
	OK(sgreach_model_add_address(m, "eni-0a1b2c", "10.0.0.1", 0));
	OK(sgreach_model_add_address(m, "eni-0a1b2c", "3.3.3.3",
				     SGREACH_ADDR_PUBLIC));
	OK(sgreach_model_add_address(m, "eni-0a1b2c", "2001:db8::1", 0));
	OK(sgreach_model_add_endpoint(m, "eni-x", SGREACH_ENDPOINT_ENI, "vpc-1",
				      NULL, NULL));
	OK(sgreach_model_add_address(m, "eni-x", "10.0.5.5", 0));
	OK(sgreach_model_add_address(m, "eni-x", "10.0.9.16/28", 0));
	OK(sgreach_model_add_endpoint(m, "eni-y", SGREACH_ENDPOINT_ENI, "vpc-2",
				      NULL, NULL));
	OK(sgreach_model_add_address(m, "eni-y", "10.0.5.5", 0));
	OK(sgreach_model_add_address(m, "eni-y", "10.0.0.9", 0));
	/* Two objects with one id: an interface and a task's id. */
	OK(sgreach_model_add_endpoint(m, "00ff", SGREACH_ENDPOINT_ENI, "vpc-1",
				      NULL, NULL));
	OK(sgreach_model_add_task(m, "arn:aws:ecs:eu-west-1:1:task/c/00ff",
				  "eni-0a1b2c", NULL));
	OK(sgreach_model_add_task(
	    m,
	    "arn:aws:ecs:eu-west-1:1:task/c/27234b173f6337dd6771fd016ca10837",
	    "eni-x", NULL));
	if (addr_like_id)
		/* An interface whose id reads as another one's address: the
		 * id wins, as it always did. */
		OK(sgreach_model_add_endpoint(
		    m, "10.0.0.9", SGREACH_ENDPOINT_ENI, "vpc-1", NULL, NULL));
	OK(sgreach_model_finalize(m));
#undef OK
	return m;
}

/* Resolves text; the endpoint's id (or the task's ARN) it selects, "address",
 * "cidr", or the error message. */
static const char *resolve(sgreach_model *m, sgreach_verdict *v,
			   const char *text, int *rc)
{
	static char out[600];
	struct selection s;

	v->m = m;
	*rc = eval_resolve_selector(v, text, &s);
	if (*rc)
		return snprintf(out, sizeof(out), "%s", v->err), out;
	cr_assert_str_eq(s.text, text);
	cr_assert_eq(s.len, strlen(text));
	switch (s.what) {
	case SELW_ENDPOINT:
		snprintf(out, sizeof(out), "%s%s%s", m->endpoints.v[s.idx].id,
			 s.addr_given ? " by address" : "",
			 s.is_public ? " (public)" : "");
		break;
	case SELW_TASK:
		snprintf(out, sizeof(out), "task %s", m->tasks.v[s.idx].arn);
		break;
	case SELW_ADDRESS:
		snprintf(out, sizeof(out), "address");
		break;
	case SELW_CIDR:
		snprintf(out, sizeof(out), "cidr");
		break;
	default:
		snprintf(out, sizeof(out), "other %d", s.what);
	}
	return out;
}

struct want {
	const char *text;
	int rc;
	const char *what; /* as resolve() writes it; a prefix for errors */
};

static void expect_all(sgreach_model *m, const struct want *w, size_t n)
{
	sgreach_verdict *v = sgreach_verdict_new();
	size_t i;

	cr_assert_not_null(v);
	for (i = 0; i < n; i++) {
		int rc;
		const char *got = resolve(m, v, w[i].text, &rc);

		cr_expect_eq(rc, w[i].rc, "'%s': %d, %s", w[i].text, rc, got);
		cr_expect(!strncmp(got, w[i].what, strlen(w[i].what)),
			  "'%s': '%s', not '%s'", w[i].text, got, w[i].what);
	}
	sgreach_verdict_free(v);
}

static const struct want common[] = {
    {"eni-0a1b2c", 0, "eni-0a1b2c"},
    {"eni-x", 0, "eni-x"},
    {"eni-0a1b2c0", -ENOENT, "'eni-0a1b2c0' is not a loaded interface"},
    {"eni-00a1b2c", -ENOENT, "'eni-00a1b2c' is not a loaded"},
    {"ENI-0A1B2C", -ENOENT, "'ENI-0A1B2C' is not a loaded"},
    {"eni-0A1B2C", -ENOENT, "'eni-0A1B2C' is not a loaded"},
    {"0a1b2c", -ENOENT, "'0a1b2c' is not a loaded"},
    {"00ff", -EINVAL, "selector '00ff' is ambiguous"},
    {"0ff", -ENOENT, "'0ff' is not a loaded"},
    {"arn:aws:ecs:eu-west-1:1:task/c/00ff", 0,
     "task arn:aws:ecs:eu-west-1:1:task/c/00ff"},
    {"27234b173f6337dd6771fd016ca10837", 0, "task arn:"},
    {"27234b173f6337dd6771fd016ca1083", -ENOENT, "'27234b173f6337dd"},
    {"10.0.0.1", 0, "eni-0a1b2c by address"},
    {"10.0.0.1/32", 0, "eni-0a1b2c by address"},
    {"3.3.3.3", 0, "eni-0a1b2c by address (public)"},
    {"2001:db8::1", 0, "eni-0a1b2c by address"},
    {"2001:DB8:0::1", 0, "eni-0a1b2c by address"},
    {"2001:db8::2", 0, "address"},
    {"10.0.5.5", -EINVAL, "address 10.0.5.5 is held by several"},
    {"10.0.9.20", 0, "eni-x by address"},
    {"10.0.9.32", 0, "address"},
    {"10.0.9.16/28", 0, "cidr"},
    {"10.0.0.77", 0, "address"},
    {"0.0.0.0", 0, "address"},
    {"010.0.0.1", -ENOENT, "'010.0.0.1' is not a loaded"},
    {"10.0.0.1/33", -EINVAL, "invalid selector '10.0.0.1/33'"},
    {"", -EINVAL, "empty selector"},
    {"service:00ff", -ENOENT, "no service '00ff' is loaded"},
};

Test(select, what_selector_texts_resolve_to)
{
	sgreach_model *m = model(0);

	cr_expect_eq(m->sel_addrlike, 0);
	expect_all(m, common, sizeof(common) / sizeof(common[0]));
	expect_all(m, &(struct want){"10.0.0.9", 0, "eni-y by address"}, 1);
	sgreach_model_free(m);
}

Test(select, an_id_that_reads_as_an_address_comes_first)
{
	sgreach_model *m = model(1);

	cr_expect_eq(m->sel_addrlike, 1);
	expect_all(m, common, sizeof(common) / sizeof(common[0]));
	expect_all(m, &(struct want){"10.0.0.9", 0, "10.0.0.9"}, 1);
	sgreach_model_free(m);
}
