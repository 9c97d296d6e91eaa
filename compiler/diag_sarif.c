/* diag_sarif.c: diagnostics as SARIF 2.1.0, the format code-scanning UIs read.
 * One run, one result per diagnostic; notes become relatedLocations. */
#include "diag.h"

static const char *level(diag_severity s)
{
	switch (s) {
	case DIAG_NOTE: return "note";
	case DIAG_WARNING: return "warning";
	default: return "error";
	}
}

static void location(FILE *out, ast_span sp)
{
	ast_pos beg = sp.beg, end = sp.end;
	const ast_src *f = diag_file_of(sp.src, &beg);
	if (sp.src && sp.src->kind == SRC_DEFINE)
		end = beg;
	if (!f || beg.line < 1) {
		fputs("{}", out);
		return;
	}
	if (end.line < beg.line || (end.line == beg.line && end.col < beg.col))
		end = beg;
	fputs("{\"physicalLocation\":{\"artifactLocation\":{\"uri\":", out);
	diag_json_str(out, f->name);
	/* SARIF's endColumn is exclusive; ours is the last byte. */
	fprintf(out, "},\"region\":{\"startLine\":%d,\"startColumn\":%d,\"endLine\":%d,"
	             "\"endColumn\":%d}}}",
	        beg.line, beg.col, end.line, end.col + 1);
}

void diag_sarif_begin(FILE *out)
{
	fputs("{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\","
	      "\"runs\":[{\"tool\":{\"driver\":{\"name\":\"routec\",\"rules\":[]}},"
	      "\"columnKind\":\"utf16CodeUnits\","
	      "\"results\":[",
	      out);
}

void diag_sarif_end(FILE *out)
{
	fputs("\n]}]}\n", out);
}

void diag_sarif_items(const diag_ctx *d, FILE *out, int *count)
{
	for (int i = 0; i < d->n; i++) {
		const diag *dg = &d->v[i];
		fprintf(out, "%s\n{\"ruleId\":", (*count)++ ? "," : "");
		diag_json_str(out, dg->rule ? dg->rule : "routec");
		fprintf(out, ",\"level\":\"%s\",\"message\":{\"text\":", level(dg->sev));
		diag_json_str(out, dg->msg);
		fputs("},\"locations\":[", out);
		location(out, dg->span);
		fputs("]", out);
		if (dg->nnotes) {
			fputs(",\"relatedLocations\":[", out);
			for (int j = 0; j < dg->nnotes; j++) {
				fprintf(out, "%s{\"id\":%d,\"message\":{\"text\":", j ? "," : "", j);
				diag_json_str(out, dg->notes[j].msg);
				fputs("},", out);
				/* relatedLocations are location objects: splice the physicalLocation in */
				ast_pos beg = dg->notes[j].span.beg;
				const ast_src *f = diag_file_of(dg->notes[j].span.src, &beg);
				if (f && beg.line > 0) {
					fputs("\"physicalLocation\":{\"artifactLocation\":{\"uri\":", out);
					diag_json_str(out, f->name);
					fprintf(out, "},\"region\":{\"startLine\":%d,\"startColumn\":%d}}}", beg.line,
					        beg.col);
				} else {
					fputs("\"properties\":{}}", out);
				}
			}
			fputs("]", out);
		}
		fputs("}", out);
	}
}
