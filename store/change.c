/*
 * change.c - what a change did, as records and as the one line of text
 * each is shown as.  apply and the tools report changes through this list
 * only, so a front end reads fields instead of parsing text back.  A
 * record never holds a secret or a hash: a new key is "secret changed".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct change {
	enum cerbo_change_op op;
	enum cerbo_change_object object;
	char *name;
	char *field; /* NULL: the whole object */
	char *old_value;
	char *new_value;
	char *text;
};

struct cerbo_changes {
	struct change *v;
	size_t n;
	size_t cap;
};

struct cerbo_changes *
cerbo_changes_new(void)
{
	return calloc(1, sizeof(struct cerbo_changes));
}

static void
change_clear(struct change *c)
{
	free(c->name);
	free(c->field);
	free(c->old_value);
	free(c->new_value);
	free(c->text);
	memset(c, 0, sizeof(*c));
}

void
cerbo_changes_free(struct cerbo_changes *list)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < list->n; i++)
		change_clear(&list->v[i]);
	free(list->v);
	free(list);
}

const char *
cerbo_change_op_name(enum cerbo_change_op op)
{
	switch (op) {
	case CERBO_CHANGE_ADDED:
		return "added";
	case CERBO_CHANGE_UPDATED:
		return "updated";
	case CERBO_CHANGE_REMOVED:
		return "removed";
	}
	return "unknown";
}

const char *
cerbo_change_object_name(enum cerbo_change_object object)
{
	switch (object) {
	case CERBO_OBJECT_USER:
		return "user";
	case CERBO_OBJECT_PROFILE:
		return "profile";
	case CERBO_OBJECT_STORE:
		return "store";
	}
	return "unknown";
}

static char *
dup_or_null(const char *s, int *oom)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*oom = 1;
	return d;
}

static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
format(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	s = malloc((size_t)n + 1);
	if (s == NULL)
		return NULL;
	va_start(ap, fmt);
	n = vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	if (n < 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* Free text is quoted in a line, so blanks and arrows inside it read as
 * part of the value. */
static int
quoted_field(const char *field)
{
	return strcmp(field, "nickname") == 0 ||
	    strcmp(field, "description") == 0;
}

/*
 * The line for a record: "+ user NAME", "+ profile NAME (SUMMARY)" when
 * an added object has a summary, "- profile NAME", "~ profile
 * NAME: + allow RULE", "~ profile NAME: - deny RULE", "~ user NAME:
 * secret changed", "~ store: FIELD OLD -> NEW", "~ user NAME: FIELD OLD -> NEW"
 * (nickname and description in quotes, an unset value as (unset)).
 */
static char *
change_text(const struct change *c)
{
	const char *obj = cerbo_change_object_name(c->object);
	const char *kind, *q, *qo, *qn;

	if (c->op == CERBO_CHANGE_ADDED && c->new_value != NULL)
		return format("+ %s %s (%s)", obj, c->name, c->new_value);
	if (c->op == CERBO_CHANGE_ADDED)
		return format("+ %s %s", obj, c->name);
	if (c->op == CERBO_CHANGE_REMOVED)
		return format("- %s %s", obj, c->name);
	kind = c->field != NULL ? c->field : "";
	if (strcmp(kind, "allow") == 0 || strcmp(kind, "deny") == 0)
		return format("~ %s %s: %c %s %s", obj, c->name,
		    c->new_value != NULL ? '+' : '-', kind,
		    c->new_value != NULL ? c->new_value : c->old_value);
	if (strcmp(kind, "secret") == 0)
		return format("~ %s %s: secret changed", obj, c->name);
	if (c->object == CERBO_OBJECT_STORE)
		return format("~ store: %s %s -> %s", kind,
		    c->old_value != NULL ? c->old_value : "(unset)",
		    c->new_value != NULL ? c->new_value : "(unset)");
	/* A profile's description is always quoted, (unset) included. */
	q = c->object == CERBO_OBJECT_PROFILE || quoted_field(kind) ? "\"" : "";
	qo = c->old_value != NULL || c->object == CERBO_OBJECT_PROFILE ? q : "";
	qn = c->new_value != NULL || c->object == CERBO_OBJECT_PROFILE ? q : "";
	return format("~ %s %s: %s %s%s%s -> %s%s%s", obj, c->name, kind, qo,
	    c->old_value != NULL ? c->old_value : "(unset)", qo, qn,
	    c->new_value != NULL ? c->new_value : "(unset)", qn);
}

int
cerbo_changes_add(struct cerbo_changes *list, enum cerbo_change_op op,
    enum cerbo_change_object object, const char *name, const char *field,
    const char *old_value, const char *new_value, struct cerbo_error *err)
{
	struct change c, *v;
	int oom = 0;

	if (list == NULL || name == NULL ||
	    (op == CERBO_CHANGE_UPDATED && field == NULL))
		return cerbo__fail(err, CERBO_E_INVALID,
		    "a change needs a list, a name and, for an update, a field");
	if ((unsigned)op > CERBO_CHANGE_REMOVED ||
	    (unsigned)object > CERBO_OBJECT_STORE)
		return cerbo__fail(err, CERBO_E_INVALID,
		    "no such change operation or object");
	if (field != NULL && strcmp(field, "secret") == 0)
		old_value = new_value = NULL; /* never a hash */
	memset(&c, 0, sizeof(c));
	c.op = op;
	c.object = object;
	c.name = dup_or_null(name, &oom);
	c.field = op == CERBO_CHANGE_UPDATED ? dup_or_null(field, &oom) : NULL;
	c.old_value = dup_or_null(old_value, &oom);
	c.new_value = dup_or_null(new_value, &oom);
	if (!oom)
		c.text = change_text(&c);
	if (oom || c.text == NULL)
		goto nomem;
	if (list->n == list->cap) {
		size_t cap = list->cap != 0 ? list->cap * 2 : 8;

		v = realloc(list->v, cap * sizeof(*v));
		if (v == NULL)
			goto nomem;
		list->v = v;
		list->cap = cap;
	}
	list->v[list->n++] = c;
	return 0;
nomem:
	change_clear(&c);
	return cerbo__fail(err, CERBO_E_NOMEM, "out of memory");
}

size_t
cerbo_changes_count(const struct cerbo_changes *list)
{
	return list != NULL ? list->n : 0;
}

static const struct change *
at(const struct cerbo_changes *list, size_t i)
{
	return list != NULL && i < list->n ? &list->v[i] : NULL;
}

enum cerbo_change_op
cerbo_change_op(const struct cerbo_changes *list, size_t i)
{
	const struct change *c = at(list, i);

	return c != NULL ? c->op : CERBO_CHANGE_UPDATED;
}

enum cerbo_change_object
cerbo_change_object(const struct cerbo_changes *list, size_t i)
{
	const struct change *c = at(list, i);

	return c != NULL ? c->object : CERBO_OBJECT_USER;
}

const char *
cerbo_change_name(const struct cerbo_changes *list, size_t i)
{
	const struct change *c = at(list, i);

	return c != NULL ? c->name : NULL;
}

const char *
cerbo_change_field(const struct cerbo_changes *list, size_t i)
{
	const struct change *c = at(list, i);

	return c != NULL ? c->field : NULL;
}

const char *
cerbo_change_old(const struct cerbo_changes *list, size_t i)
{
	const struct change *c = at(list, i);

	return c != NULL ? c->old_value : NULL;
}

const char *
cerbo_change_new(const struct cerbo_changes *list, size_t i)
{
	const struct change *c = at(list, i);

	return c != NULL ? c->new_value : NULL;
}

const char *
cerbo_change_text(const struct cerbo_changes *list, size_t i)
{
	const struct change *c = at(list, i);

	return c != NULL ? c->text : NULL;
}

const char *
cerbo_change_detail(const struct cerbo_changes *list, size_t i)
{
	const struct change *c = at(list, i);

	if (c == NULL || c->op != CERBO_CHANGE_UPDATED)
		return NULL;
	/* The line is "~ OBJECT NAME: DETAIL". */
	return c->text + strlen("~ ") +
	    strlen(cerbo_change_object_name(c->object)) + strlen(" ") +
	    strlen(c->name) + strlen(": ");
}
