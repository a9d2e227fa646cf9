/*
 * load.c - reading files, directories and standard input, detecting each
 * document's kind from its top-level keys, and loading it all or nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import/importers.h"
#include "model.h"

int import_add_failed(sgreach_model *m, struct jreader *r,
		      const struct jpath *at, const char *key, int rc)
{
	char msg[sizeof(m->err)];

	if (rc != -EINVAL && rc != -EEXIST && rc != -ENOENT && rc != -E2BIG)
		return rc;
	snprintf(msg, sizeof(msg), "%s", m->err);
	if (rc == -E2BIG) {
		json_fail(r, at, key, "%s", msg);
		return rc;
	}
	/* In a document, a duplicate or a dangling id is invalid input. */
	return json_fail(r, at, key, "%s", msg);
}

static const struct {
	const char *key;
	aws_import_fn fn;
} aws_keys[] = {
    {"SecurityGroups", import_aws_security_groups},
    {"SecurityGroupRules", import_aws_security_group_rules},
    {"NetworkInterfaces", import_aws_network_interfaces},
    {"Subnets", import_aws_subnets},
    {"Vpcs", import_aws_vpcs},
    {"PrefixLists", import_aws_prefix_lists},
    {"VpcPeeringConnections", import_aws_peerings},
    {"tasks", import_ecs_tasks},
    {"services", import_ecs_services},
};

/* Keys the AWS CLI prints beside the data, read as nothing. */
static int is_envelope_key(const char *k)
{
	return !strcmp(k, "NextToken") || !strcmp(k, "failures") ||
	       !strcmp(k, "ResponseMetadata");
}

/* The id of a prefix list named in a file name ("pl-0a1b2c3d.json",
 * "entries-pl-0a1b.json"), for get-managed-prefix-list-entries output. */
static int plist_id_from_name(const char *name, char *id, size_t size)
{
	const char *p = name ? strstr(name, "pl-") : NULL;
	size_t n = 3;

	if (!p)
		return -1;
	while (p[n] && strchr("0123456789abcdef", p[n]))
		n++;
	if (n == 3 || n >= size)
		return -1;
	memcpy(id, p, n);
	id[n] = '\0';
	return 0;
}

static int load_aws(sgreach_model *m, struct jreader *r, const cJSON *root)
{
	struct jpath top = JPATH_ROOT;
	const cJSON *item;
	int found = 0, rc;
	size_t i;

	for (item = root->child; item; item = item->next) {
		struct jpath at = JPATH_KEY(&top, item->string);
		int known = 0;

		for (i = 0; i < sizeof(aws_keys) / sizeof(aws_keys[0]); i++) {
			if (strcmp(item->string, aws_keys[i].key))
				continue;
			known = 1;
			if (!cJSON_IsArray(item))
				return json_fail(r, &top, item->string,
						 "expected an array, got %s",
						 json_type_name(item));
			if ((rc = aws_keys[i].fn(m, r, &at, item)))
				return rc;
			found = 1;
		}
		if (!known && !strcmp(item->string, "Entries")) {
			char id[64];

			if (plist_id_from_name(r->file, id, sizeof(id)))
				return json_fail(
				    r, &top, "Entries",
				    "prefix list entries without an id: "
				    "name the file after the list "
				    "(pl-0123abcd.json) or write "
				    "{\"PrefixLists\": [{\"PrefixListId\": "
				    "..., \"Entries\": [...]}]}");
			if (!cJSON_IsArray(item))
				return json_fail(r, &top, item->string,
						 "expected an array, got %s",
						 json_type_name(item));
			if ((rc = import_aws_prefix_list_entries(m, r, &at,
								 item, id)))
				return rc;
			known = found = 1;
		}
		if (!known && !is_envelope_key(item->string) &&
		    model_warn(m, "ignoring unknown top-level key '%s'",
			       item->string))
			return -ENOMEM;
	}
	if (!found)
		return json_fail(r, NULL, NULL,
				 "nothing recognisable: expected the output of "
				 "aws ec2 describe-security-groups, "
				 "describe-network-interfaces, ecs "
				 "describe-tasks... or terraform show -json "
				 "(see sgreach-inputs(5))");
	return 0;
}

/* terraform show -json: a state has "values" (absent in an empty
 * workspace, which prints only the format version), a plan
 * "planned_values". */
static int is_terraform(const cJSON *root)
{
	const cJSON *item;

	if (!json_get(root, "format_version"))
		return 0;
	if (json_get(root, "values") || json_get(root, "planned_values"))
		return 1;
	for (item = root->child; item; item = item->next)
		if (strcmp(item->string, "format_version") &&
		    strcmp(item->string, "terraform_version"))
			return 0;
	return 1;
}

static int load_document(sgreach_model *m, const char *name, const char *buf,
			 size_t len)
{
	struct jreader r = {name, m->err, sizeof(m->err)};
	cJSON *root = NULL;
	int rc;

	m->err[0] = '\0';
	rc = json_parse(&r, buf, len, &root);
	if (rc)
		return rc;
	model_load_begin(m, name);
	if (!cJSON_IsObject(root)) {
		rc = json_fail(&r, NULL, NULL,
			       "expected a JSON object at the top, got %s",
			       json_type_name(root));
	} else if (is_terraform(root)) {
#ifdef SGREACH_WITH_TERRAFORM
		rc = json_get(root, "planned_values")
			 ? import_terraform_plan(m, &r, root)
			 : import_terraform_state(m, &r, root);
#else
		rc = json_fail(&r, NULL, NULL,
			       "Terraform documents are not supported by "
			       "this build");
#endif
	} else {
		rc = load_aws(m, &r, root);
	}
	if (rc == -ENOMEM && !m->err[0])
		snprintf(m->err, sizeof(m->err), "%s: out of memory", name);
	model_load_end(m, rc == 0);
	cJSON_Delete(root);
	return rc;
}

SGREACH_API int sgreach_model_load_buffer(sgreach_model *m, const char *name,
					  const char *buf, size_t len)
{
	if (!m || (!buf && len))
		return -EINVAL;
	if (m->finalized)
		return model_fail(m, -EBUSY, "the model is finalized");
	return load_document(m, name ? name : "<buffer>", buf ? buf : "", len);
}

/* Reads one byte into a scratch byte: 0 at the end of the input, 1 if
 * there is more, or -1 with errno. */
static ssize_t more_input(int fd)
{
	char probe;
	ssize_t n;

	do
		n = read(fd, &probe, 1);
	while (n < 0 && errno == EINTR);
	return n;
}

/* hint: the size of a regular file (0 if unknown); the buffer then holds
 * it and one byte more, so that the read which finds its end needs no
 * growth. */
int load_read_fd(sgreach_model *m, const char *name, int fd, size_t hint,
		 size_t limit, char **out, size_t *outlen)
{
	size_t len = 0, cap = limit < 65536 ? limit : 65536;
	char *buf;

	if (hint)
		cap = hint < limit ? hint + 1 : limit;
	buf = malloc(cap ? cap : 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap >= limit) {
				/* Full at the limit: a document of exactly
				 * the limit ends here. */
				n = more_input(fd);
				if (n == 0)
					break;
				free(buf);
				if (n < 0)
					return model_fail(m, -EIO, "%s: %s",
							  name,
							  strerror(errno));
				return model_fail(m, -E2BIG,
						  "%s: larger than the limit "
						  "of %zu bytes",
						  name, limit);
			}
			/* The cap reaches the limit exactly: nothing past it
			 * is read. */
			cap = cap < limit / 2 ? cap * 2 : limit;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			free(buf);
			return model_fail(m, -EIO, "%s: %s", name, strerror(e));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

static int load_path(sgreach_model *m, const char *path, int depth);

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory loads its "*.json" files in name order; not recursive, so
 * input never leads sgreach into other folders. */
static int load_dir(sgreach_model *m, const char *path)
{
	VEC(char *) names = {0};
	struct dirent *d;
	DIR *dir;
	uint32_t i;
	int rc = 0;

	dir = opendir(path);
	if (!dir)
		return model_fail(m, errno == EACCES ? -EACCES : -EIO, "%s: %s",
				  path, strerror(errno));
	while ((d = readdir(dir))) {
		size_t n = strlen(d->d_name);
		char *full;

		if (n < 6 || strcmp(d->d_name + n - 5, ".json") ||
		    d->d_name[0] == '.')
			continue;
		full = malloc(strlen(path) + n + 2);
		if (!full || vec_push(&names, full)) {
			free(full);
			rc = -ENOMEM;
			break;
		}
		sprintf(full, "%s/%s", path, d->d_name);
	}
	closedir(dir);
	if (!rc && names.n == 0)
		rc = model_fail(m, -ENOENT, "%s: no *.json file in directory",
				path);
	if (!rc)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	for (i = 0; i < names.n; i++) {
		if (!rc)
			rc = load_path(m, names.v[i], 1);
		free(names.v[i]);
	}
	vec_free(&names);
	return rc;
}

static int load_path(sgreach_model *m, const char *path, int depth)
{
	struct stat st;
	size_t len;
	char *buf;
	int fd, rc;

	if (strcmp(path, "-") == 0) {
		rc = load_read_fd(m, "<stdin>", STDIN_FILENO, 0, JSON_MAX_BYTES,
				  &buf, &len);
		if (rc)
			return rc;
		rc = load_document(m, "<stdin>", buf, len);
		free(buf);
		return rc;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;

		return model_fail(m,
				  e == ENOENT	? -ENOENT
				  : e == EACCES ? -EACCES
						: -EIO,
				  "%s: %s", path, strerror(e));
	}
	if (fstat(fd, &st) != 0)
		st.st_mode = 0;
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		if (depth > 0)
			return 0; /* a folder inside a folder: not followed */
		return load_dir(m, path);
	}
	if (S_ISREG(st.st_mode) &&
	    (unsigned long long)st.st_size > JSON_MAX_BYTES) {
		close(fd);
		return model_fail(m, -E2BIG,
				  "%s: larger than the limit of %zu bytes",
				  path, (size_t)JSON_MAX_BYTES);
	}
	rc = load_read_fd(m, path, fd,
			  S_ISREG(st.st_mode) ? (size_t)st.st_size : 0,
			  JSON_MAX_BYTES, &buf, &len);
	close(fd);
	if (rc)
		return rc;
	rc = load_document(m, path, buf, len);
	free(buf);
	return rc;
}

SGREACH_API int sgreach_model_load_file(sgreach_model *m, const char *path)
{
	if (!m || !path || !*path)
		return -EINVAL;
	if (m->finalized)
		return model_fail(m, -EBUSY, "the model is finalized");
	m->err[0] = '\0';
	return load_path(m, path, 0);
}
