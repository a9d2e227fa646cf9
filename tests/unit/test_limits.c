/* test_limits.c - a failed load leaves nothing half-loaded, and the input
 * limits of sgreach-inputs(5) hold, through the public API. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sgreach.h"
#include "import/importers.h"

/* The model every test starts from: two groups, two interfaces. */
static const char doc_a[] =
	"{\"SecurityGroups\": ["
	" {\"GroupId\": \"sg-a\", \"GroupName\": \"a\", \"VpcId\": \"vpc-1\","
	"  \"IpPermissions\": [{\"IpProtocol\": \"tcp\", \"FromPort\": 443,"
	"   \"ToPort\": 443, \"IpRanges\": [{\"CidrIp\": \"10.0.0.0/8\"}]}],"
	"  \"IpPermissionsEgress\": [{\"IpProtocol\": \"-1\","
	"   \"IpRanges\": [{\"CidrIp\": \"0.0.0.0/0\"}]}]},"
	" {\"GroupId\": \"sg-b\", \"GroupName\": \"b\", \"VpcId\": \"vpc-1\","
	"  \"IpPermissions\": [{\"IpProtocol\": \"tcp\", \"FromPort\": 22,"
	"   \"ToPort\": 22, \"UserIdGroupPairs\": [{\"GroupId\": \"sg-a\"}]}],"
	"  \"IpPermissionsEgress\": []}],"
	" \"NetworkInterfaces\": ["
	" {\"NetworkInterfaceId\": \"eni-a\", \"VpcId\": \"vpc-1\","
	"  \"SubnetId\": \"subnet-1\", \"PrivateIpAddress\": \"10.0.0.10\","
	"  \"Groups\": [{\"GroupId\": \"sg-a\"}]},"
	" {\"NetworkInterfaceId\": \"eni-b\", \"VpcId\": \"vpc-1\","
	"  \"SubnetId\": \"subnet-1\", \"PrivateIpAddress\": \"10.0.0.20\","
	"  \"Groups\": [{\"GroupId\": \"sg-b\"}]}]}";

/*
 * A second document that changes every kind of object (a prefix list, the
 * rules of sg-a, a new group, a new interface with a task, a subnet), with
 * a fault that can be placed at each step: BAD_n is replaced by a valid or
 * an invalid value.  Keys are read in document order, so a fault at step n
 * fails after steps 0..n-1 were applied: all of that must be undone.
 * (Fault 4 is a wrong type: the ECS importer reads a task's address from
 * its interface, so an invalid privateIPv4Address string is not an error.)
 */
static const char doc_b[] =
	"{\"PrefixLists\": [{\"PrefixListId\": \"pl-new\","
	"  \"Cidrs\": [\"192.0.2.0/24\", \"@0\"]}],"
	" \"SecurityGroups\": ["
	" {\"GroupId\": \"sg-a\", \"GroupName\": \"a2\", \"VpcId\": \"vpc-1\","
	"  \"IpPermissions\": [{\"IpProtocol\": \"tcp\", \"FromPort\": 22,"
	"   \"ToPort\": 22, \"IpRanges\": [{\"CidrIp\": \"0.0.0.0/0\"}]},"
	"   {\"IpProtocol\": \"tcp\", \"FromPort\": 80, \"ToPort\": 80,"
	"   \"IpRanges\": [{\"CidrIp\": \"@1\"}]}],"
	"  \"IpPermissionsEgress\": []},"
	" {\"GroupId\": \"sg-new\", \"GroupName\": \"new\", \"VpcId\": \"vpc-1\","
	"  \"IpPermissions\": [{\"IpProtocol\": \"-1\","
	"   \"PrefixListIds\": [{\"PrefixListId\": \"pl-new\"}],"
	"   \"UserIdGroupPairs\": [{\"GroupId\": \"sg-b\"}]},"
	"   {\"IpProtocol\": \"udp\", \"FromPort\": 53, \"ToPort\": 53,"
	"   \"Ipv6Ranges\": [{\"CidrIpv6\": \"@2\"}]}],"
	"  \"IpPermissionsEgress\": [{\"IpProtocol\": \"-1\","
	"   \"IpRanges\": [{\"CidrIp\": \"0.0.0.0/0\"}]}]}],"
	" \"NetworkInterfaces\": ["
	" {\"NetworkInterfaceId\": \"eni-new\", \"VpcId\": \"vpc-1\","
	"  \"SubnetId\": \"subnet-1\", \"PrivateIpAddress\": \"10.0.0.30\","
	"  \"PrivateIpAddresses\": [{\"PrivateIpAddress\": \"10.0.0.30\"},"
	"   {\"PrivateIpAddress\": \"@3\"}],"
	"  \"Groups\": [{\"GroupId\": \"sg-new\"}, {\"GroupId\": \"sg-a\"}]}],"
	" \"tasks\": [{\"taskArn\": "
	"  \"arn:aws:ecs:eu-west-1:111122223333:task/c/0123abcd\","
	"  \"group\": \"service:web\", \"lastStatus\": \"RUNNING\","
	"  \"attachments\": [{\"type\": \"ElasticNetworkInterface\","
	"   \"status\": \"ATTACHED\", \"details\": ["
	"   {\"name\": \"networkInterfaceId\", \"value\": \"eni-new\"},"
	"   {\"name\": \"privateIPv4Address\", \"value\": @4}]}]}],"
	" \"Subnets\": [{\"SubnetId\": \"subnet-1\", \"VpcId\": \"vpc-1\","
	"  \"CidrBlock\": \"@5\"}]}";

#define NFAULTS 6
static const char *const good_value[NFAULTS] = {
	"198.51.100.0/24", "10.0.0.0/8", "2001:db8::/32",
	"10.0.0.31",	   "\"10.0.0.30\"", "10.0.0.0/24",
};
static const char *const bad_value[NFAULTS] = {
	"10.1/16", "10.0.0.0/8a", "1::2::3/64", "010.0.0.31", "5",
	"10.0.0.0/33",
};

/* doc_b with fault `bad` (-1: none) applied. */
static char *make_doc_b(int bad)
{
	size_t size = sizeof(doc_b) + 256;
	char *out = malloc(size), *o = out;
	const char *p;

	cr_assert_not_null(out);
	for (p = doc_b; *p; p++) {
		if (*p == '@') {
			int k = p[1] - '0';

			o += sprintf(o, "%s",
				     k == bad ? bad_value[k] : good_value[k]);
			p++;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

static sgreach_model *model_a(void)
{
	sgreach_model *m = sgreach_model_new();

	cr_assert_not_null(m);
	cr_assert_eq(sgreach_model_load_buffer(m, "a.json", doc_a,
					       strlen(doc_a)),
		     0, "%s", sgreach_model_error(m));
	return m;
}

/* Everything observable before finalize: counts and warnings. */
static void expect_same_contents(const sgreach_model *x,
				 const sgreach_model *y, const char *what)
{
	size_t i, n = sgreach_model_warning_count(x);

	for (i = SGREACH_COUNT_GROUPS; i <= SGREACH_COUNT_VPCS; i++)
		cr_expect_eq(sgreach_model_count(x, (sgreach_count)i),
			     sgreach_model_count(y, (sgreach_count)i),
			     "%s: count %zu differs", what, i);
	cr_expect_eq(n, sgreach_model_warning_count(y), "%s: warnings", what);
	for (i = 0; i < n && i < sgreach_model_warning_count(y); i++)
		cr_expect_str_eq(sgreach_model_warning(x, i),
				 sgreach_model_warning(y, i), "%s", what);
}

static const char *const selectors[] = {
	"eni-a",     "eni-b",	  "eni-new",	 "10.0.0.10", "10.0.0.30",
	"10.0.0.31", "0.0.0.0/0", "192.0.2.7",	 "0123abcd",  "service:web",
};
static const char *const flows[] = {"tcp/443", "tcp/22", "tcp/80",
				    "udp/53"};
#define NSEL (sizeof(selectors) / sizeof(selectors[0]))
#define NFLOW (sizeof(flows) / sizeof(flows[0]))

/* Counts the queries whose outcome (return code, error, JSON) differs. */
static size_t count_different_answers(const sgreach_model *x,
				      const sgreach_model *y)
{
	sgreach_verdict *vx = sgreach_verdict_new(), *vy = sgreach_verdict_new();
	size_t i, j, k, differ = 0;

	cr_assert(vx && vy);
	for (i = 0; i < NSEL; i++)
		for (j = 0; j < NSEL; j++)
			for (k = 0; k < NFLOW; k++) {
				int rx = sgreach_query(x, selectors[i],
						       selectors[j], flows[k],
						       0, vx);
				int ry = sgreach_query(y, selectors[i],
						       selectors[j], flows[k],
						       0, vy);

				if (rx != ry)
					differ++;
				else if (rx)
					differ += strcmp(sgreach_verdict_error(vx),
							 sgreach_verdict_error(vy)) != 0;
				else
					differ += strcmp(
						sgreach_verdict_render(
							vx, SGREACH_FORMAT_JSON),
						sgreach_verdict_render(
							vy, SGREACH_FORMAT_JSON)) != 0;
			}
	sgreach_verdict_free(vx);
	sgreach_verdict_free(vy);
	return differ;
}

/* Without a fault, doc_b changes answers: so the rollback test below can
 * tell a half-loaded document from a clean one. */
Test(limits, second_document_changes_the_model)
{
	sgreach_model *a = model_a(), *ab = model_a();
	char *b = make_doc_b(-1);

	cr_assert_eq(sgreach_model_load_buffer(ab, "b.json", b, strlen(b)), 0,
		     "%s", sgreach_model_error(ab));
	cr_expect_neq(sgreach_model_count(ab, SGREACH_COUNT_GROUPS),
		      sgreach_model_count(a, SGREACH_COUNT_GROUPS));
	cr_assert_eq(sgreach_model_finalize(a), 0);
	cr_assert_eq(sgreach_model_finalize(ab), 0);
	cr_expect_gt(count_different_answers(a, ab), 10);
	free(b);
	sgreach_model_free(a);
	sgreach_model_free(ab);
}

Test(limits, failed_load_leaves_nothing_at_any_step)
{
	int bad;

	for (bad = 0; bad < NFAULTS; bad++) {
		sgreach_model *a = model_a(), *m = model_a();
		char *b = make_doc_b(bad);
		const char *msg;
		int rc;

		rc = sgreach_model_load_buffer(m, "b.json", b, strlen(b));
		msg = sgreach_model_error(m);
		cr_expect_eq(rc, -EINVAL, "fault %d: rc %d", bad, rc);
		cr_expect(strncmp(msg, "b.json: $.", 10) == 0,
			  "fault %d: message names no file and path: %s", bad,
			  msg);
		cr_expect(strstr(msg, bad_value[bad]) != NULL,
			  "fault %d: message does not quote '%s': %s", bad,
			  bad_value[bad], msg);
		expect_same_contents(a, m, bad_value[bad]);

		/* Still usable: the valid document loads after the failure. */
		cr_assert_eq(sgreach_model_finalize(a), 0);
		cr_assert_eq(sgreach_model_finalize(m), 0, "%s",
			     sgreach_model_error(m));
		cr_expect_eq(count_different_answers(a, m), 0,
			     "fault %d (%s): answers differ from the model "
			     "without the failed document",
			     bad, bad_value[bad]);
		free(b);
		sgreach_model_free(a);
		sgreach_model_free(m);
	}
}

/* A failed document between two good ones: the second good one loads as if
 * the failure had never happened. */
Test(limits, load_after_failure_is_as_without_it)
{
	sgreach_model *ref = model_a(), *m = model_a();
	char *good = make_doc_b(-1), *bad = make_doc_b(NFAULTS - 1);

	cr_assert_eq(sgreach_model_load_buffer(m, "bad.json", bad, strlen(bad)),
		     -EINVAL);
	cr_assert_eq(sgreach_model_load_buffer(m, "b.json", good,
					       strlen(good)),
		     0, "%s", sgreach_model_error(m));
	cr_assert_eq(sgreach_model_load_buffer(ref, "b.json", good,
					       strlen(good)),
		     0);
	expect_same_contents(ref, m, "bad then good");
	cr_assert_eq(sgreach_model_finalize(ref), 0);
	cr_assert_eq(sgreach_model_finalize(m), 0);
	cr_expect_eq(count_different_answers(ref, m), 0);
	free(good);
	free(bad);
	sgreach_model_free(ref);
	sgreach_model_free(m);
}

/* A directory with one bad file fails, naming that file, and keeps none of
 * the bad file's objects. */
Test(limits, directory_with_one_bad_file)
{
	sgreach_model *m = sgreach_model_new();
	sgreach_verdict *v = sgreach_verdict_new();
	int rc;

	cr_assert(m && v);
	rc = sgreach_model_load_file(m, SRCDIR "/tests/bad-input/dir-one-bad");
	cr_expect_eq(rc, -EINVAL);
	cr_expect(strstr(sgreach_model_error(m), "b-bad.json: $.") != NULL,
		  "%s", sgreach_model_error(m));
	/* b-bad.json's only group is sg-0bad; a-good.json's is sg-0good. */
	cr_expect_leq(sgreach_model_count(m, SGREACH_COUNT_GROUPS), 1);
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_RULES), 0);
	sgreach_verdict_free(v);
	sgreach_model_free(m);
}

/* Over 1 GiB is refused before a byte is read: the buffer is an
 * inaccessible mapping, so any read would crash the test. */
Test(limits, document_over_one_gib_is_refused_unread)
{
	size_t len = ((size_t)1 << 30) + 1;
	sgreach_model *m = sgreach_model_new();
	void *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
					      MAP_NORESERVE, -1, 0);

	cr_assert_neq(p, MAP_FAILED);
	cr_expect_eq(sgreach_model_load_buffer(m, "big.json", p, len), -E2BIG);
	cr_expect(strstr(sgreach_model_error(m), "big.json") != NULL, "%s",
		  sgreach_model_error(m));
	cr_expect_eq(sgreach_model_count(m, SGREACH_COUNT_GROUPS), 0);
	munmap(p, len);
	sgreach_model_free(m);
}

/* Nesting: 64 levels are read (then refused for what they are), 65 are
 * refused as too deep. */
Test(limits, nesting_64_levels)
{
	char buf[256];
	sgreach_model *m = sgreach_model_new();
	int depth;

	for (depth = 64; depth <= 65; depth++) {
		memset(buf, '[', (size_t)depth);
		memset(buf + depth, ']', (size_t)depth);
		cr_assert_eq(sgreach_model_load_buffer(m, "deep.json", buf,
						       (size_t)depth * 2),
			     -EINVAL);
		if (depth == 64)
			cr_expect(strstr(sgreach_model_error(m), "deeper") ==
					  NULL,
				  "%s", sgreach_model_error(m));
		else
			cr_expect(strstr(sgreach_model_error(m),
					 "nesting deeper than 64") != NULL,
				  "%s", sgreach_model_error(m));
	}
	sgreach_model_free(m);
}

/* After finalize nothing loads and nothing changes. */
Test(limits, finalized_model_refuses_loads)
{
	sgreach_model *m = model_a(), *ref = model_a();
	char *b = make_doc_b(-1);

	cr_assert_eq(sgreach_model_finalize(m), 0);
	cr_assert_eq(sgreach_model_finalize(ref), 0);
	cr_expect_eq(sgreach_model_load_buffer(m, "b.json", b, strlen(b)),
		     -EBUSY);
	cr_expect_eq(count_different_answers(ref, m), 0);
	free(b);
	sgreach_model_free(m);
	sgreach_model_free(ref);
}

/* A document of exactly the limit is read; one byte more is refused.
 * load_read_fd() with small limits, over a pipe (no size known), a file
 * with its size as the hint, and a file read without a hint, which makes
 * the buffer grow up to the limit.  (A 1 GiB file was refused: the buffer
 * was full at the limit before the read that finds the end.) */
static int read_n(size_t n, int how, size_t limit, size_t *got,
		  sgreach_model *m)
{
	char *data = malloc(n + 1), *buf = NULL;
	int fds[2], rc;

	cr_assert_not_null(data);
	memset(data, 'x', n);
	if (how == 0) {
		cr_assert_eq(pipe(fds), 0);
		cr_assert_eq(write(fds[1], data, n), (ssize_t)n);
		close(fds[1]);
	} else {
		FILE *f = tmpfile();

		cr_assert_not_null(f);
		cr_assert_eq(fwrite(data, 1, n, f), n);
		fflush(f);
		fds[0] = dup(fileno(f));
		fclose(f);
		lseek(fds[0], 0, SEEK_SET);
	}
	*got = 0;
	rc = load_read_fd(m, "doc.json", fds[0], how == 1 ? n : 0, limit, &buf,
			  got);
	close(fds[0]);
	if (rc == 0)
		cr_expect_eq(memcmp(buf, data, n), 0);
	free(buf);
	free(data);
	return rc;
}

Test(limits, document_of_exactly_the_limit_is_read)
{
	static const char *const how[] = {"pipe", "file", "file, no hint"};
	sgreach_model *m = sgreach_model_new();
	size_t got, limits[] = {16, 100000};
	int h, l;

	for (l = 0; l < 2; l++) {
		size_t lim = limits[l];

		for (h = 0; h < 3; h++) {
			if (h == 0 && lim > 4096)
				continue; /* more than a pipe holds unread */
			cr_expect_eq(read_n(lim, h, lim, &got, m), 0,
				     "%zu bytes, limit %zu, %s: %s", lim, lim,
				     how[h], sgreach_model_error(m));
			cr_expect_eq(got, lim);
			cr_expect_eq(read_n(lim + 1, h, lim, &got, m), -E2BIG,
				     "%zu bytes, limit %zu, %s", lim + 1, lim,
				     how[h]);
			cr_expect(strstr(sgreach_model_error(m),
					 "doc.json: larger than the limit") !=
				      NULL,
				  "%s", sgreach_model_error(m));
			cr_expect_eq(read_n(0, h, lim, &got, m), 0);
			cr_expect_eq(got, 0);
		}
	}
	sgreach_model_free(m);
}
