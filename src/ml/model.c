/* The model object: input preparation, a chain of layers, and plain
 * floating-point inference (the reference the encrypted evaluator is
 * checked against). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ml_internal.h"

static int known_dataset(const char *name)
{
	return !strcmp(name, "mnist") || !strcmp(name, "fashion-mnist");
}

hec_status hec_ml_model_new(hec_ml_model **dst, const char *dataset, const hec_ml_input_t *input,
                            hec_ml_task_kind task, const unsigned *class_labels, size_t n_classes)
{
	if (!dst || !dataset || !input || !class_labels)
		return hec_error_set(HEC_ERR_ARG, "model: NULL argument");
	if (!known_dataset(dataset))
		return hec_error_set(HEC_ERR_ARG, "model: unknown data set '%s'", dataset);
	if (input->pool != 1 && input->pool != 2)
		return hec_error_set(HEC_ERR_ARG, "model: input pooling %zu is not 1 or 2", input->pool);
	if (!(input->std > 0) || !isfinite(input->std) || !isfinite(input->mean))
		return hec_error_set(HEC_ERR_ARG, "model: input normalisation needs a finite std > 0");
	if (task != HEC_ML_MULTICLASS && task != HEC_ML_BINARY)
		return hec_error_set(HEC_ERR_ARG, "model: unknown task kind %d", (int)task);
	if (n_classes < 2 || n_classes > HEC_ML_MAX_CLASSES || (task == HEC_ML_BINARY && n_classes != 2))
		return hec_error_set(HEC_ERR_ARG, "model: %zu classes is out of range", n_classes);
	for (size_t i = 0; i < n_classes; i++)
		if (class_labels[i] > 255)
			return hec_error_set(HEC_ERR_ARG, "model: class label %u > 255", class_labels[i]);
	hec_ml_model *m = calloc(1, sizeof *m);
	if (!m)
		return hec_error_set(HEC_ERR_NOMEM, "model: out of memory");
	strcpy(m->dataset, dataset);
	m->input = *input;
	m->task = task;
	memcpy(m->classes, class_labels, n_classes * sizeof *class_labels);
	m->n_classes = n_classes;
	*dst = m;
	return HEC_OK;
}

void hec_ml_model_free(hec_ml_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_layers; i++) {
		free(m->layers[i].w);
		free(m->layers[i].b);
	}
	for (size_t i = 0; i < m->n_sec; i++)
		free(m->sec[i].data);
	free(m->sec);
	free(m);
}

/* The next layer's input shape. */
static void next_input(const hec_ml_model *m, size_t *c, size_t *h, size_t *w)
{
	if (m->n_layers == 0) {
		*c = 1;
		*h = *w = 28 / m->input.pool;
	} else {
		const struct ml_layer *p = &m->layers[m->n_layers - 1];
		*c = p->out_c;
		*h = p->out_h;
		*w = p->out_w;
	}
}

static hec_status push(hec_ml_model *m, struct ml_layer *L)
{
	if (m->n_layers >= HEC_ML_MAX_LAYERS)
		return hec_error_set(HEC_ERR_ARG, "model: more than %d layers", HEC_ML_MAX_LAYERS);
	if (L->nw > ML_MAX_WEIGHTS)
		return hec_error_set(HEC_ERR_ARG, "model: layer %zu has %zu weights (max %zu)",
		                     m->n_layers, L->nw, ML_MAX_WEIGHTS);
	if (L->nw) {
		L->w = calloc(L->nw, sizeof *L->w);
		L->b = calloc(L->nb, sizeof *L->b);
		if (!L->w || !L->b) {
			free(L->w);
			free(L->b);
			return hec_error_set(HEC_ERR_NOMEM, "model: out of memory for %zu weights", L->nw);
		}
	}
	m->layers[m->n_layers++] = *L;
	return HEC_OK;
}

hec_status hec_ml_model_add_conv(hec_ml_model *m, size_t maps, size_t k, size_t stride, size_t pad)
{
	struct ml_layer L = {.kind = HEC_ML_CONV, .k = k, .stride = stride, .pad = pad};
	next_input(m, &L.in_c, &L.in_h, &L.in_w);
	if (maps == 0 || maps > 1024 || k == 0 || k > 15 || stride == 0 || stride > k || pad >= k ||
	    L.in_h + 2 * pad < k || L.in_w + 2 * pad < k)
		return hec_error_set(HEC_ERR_ARG,
		                     "model: conv %zu maps %zux%zu stride %zu pad %zu does not fit a "
		                     "%zu x %zu x %zu input",
		                     maps, k, k, stride, pad, L.in_c, L.in_h, L.in_w);
	L.out_c = maps;
	L.out_h = (L.in_h + 2 * pad - k) / stride + 1;
	L.out_w = (L.in_w + 2 * pad - k) / stride + 1;
	L.nw = maps * L.in_c * k * k;
	L.nb = maps;
	return push(m, &L);
}

hec_status hec_ml_model_add_dense(hec_ml_model *m, size_t out)
{
	struct ml_layer L = {.kind = HEC_ML_DENSE};
	next_input(m, &L.in_c, &L.in_h, &L.in_w);
	if (out == 0 || out > 65536)
		return hec_error_set(HEC_ERR_ARG, "model: dense width %zu outside [1, 65536]", out);
	L.out_c = out;
	L.out_h = L.out_w = 1;
	L.nw = out * ml_in_size(&L);
	L.nb = out;
	return push(m, &L);
}

hec_status hec_ml_model_add_poly(hec_ml_model *m, const double *coeffs, size_t n_coeffs)
{
	struct ml_layer L = {.kind = HEC_ML_POLY};
	next_input(m, &L.in_c, &L.in_h, &L.in_w);
	if (!coeffs || n_coeffs == 0 || n_coeffs > HEC_ML_MAX_POLY_DEGREE + 1)
		return hec_error_set(HEC_ERR_ARG, "model: polynomial with %zu coefficients (1..%d)",
		                     n_coeffs, HEC_ML_MAX_POLY_DEGREE + 1);
	for (size_t i = 0; i < n_coeffs; i++)
		if (!isfinite(coeffs[i]))
			return hec_error_set(HEC_ERR_ARG, "model: polynomial coefficient %zu not finite", i);
	L.out_c = L.in_c;
	L.out_h = L.in_h;
	L.out_w = L.in_w;
	memcpy(L.c, coeffs, n_coeffs * sizeof *coeffs);
	L.nc = n_coeffs;
	return push(m, &L);
}

hec_status hec_ml_model_add_avgpool(hec_ml_model *m, size_t k)
{
	struct ml_layer L = {.kind = HEC_ML_AVGPOOL, .k = k, .stride = k};
	next_input(m, &L.in_c, &L.in_h, &L.in_w);
	if (k < 2 || k > 8 || L.in_h < k || L.in_w < k)
		return hec_error_set(HEC_ERR_ARG, "model: avgpool %zu does not fit a %zu x %zu input", k,
		                     L.in_h, L.in_w);
	L.out_c = L.in_c;
	L.out_h = L.in_h / k;
	L.out_w = L.in_w / k;
	return push(m, &L);
}

size_t hec_ml_model_layer_count(const hec_ml_model *m) { return m->n_layers; }
const char *hec_ml_model_dataset(const hec_ml_model *m) { return m->dataset; }
hec_ml_input_t hec_ml_model_input(const hec_ml_model *m) { return m->input; }
hec_ml_task_kind hec_ml_model_task(const hec_ml_model *m) { return m->task; }
size_t hec_ml_model_class_count(const hec_ml_model *m) { return m->n_classes; }
const char *hec_ml_model_note(const hec_ml_model *m) { return m->note; }

unsigned hec_ml_model_class_label(const hec_ml_model *m, size_t i)
{
	return i < m->n_classes ? m->classes[i] : 0;
}

hec_status hec_ml_model_set_note(hec_ml_model *m, const char *note)
{
	if (!m || !note)
		return hec_error_set(HEC_ERR_ARG, "model: NULL note");
	size_t n = strlen(note);
	if (n >= sizeof m->note)
		n = sizeof m->note - 1;
	memcpy(m->note, note, n);
	m->note[n] = 0;
	return HEC_OK;
}

hec_status hec_ml_model_layer(hec_ml_layer_t *dst, const hec_ml_model *m, size_t i)
{
	if (!dst || !m || i >= m->n_layers)
		return hec_error_set(HEC_ERR_ARG, "model: no layer %zu", i);
	const struct ml_layer *L = &m->layers[i];
	*dst = (hec_ml_layer_t){
	    .kind = L->kind,
	    .in_c = L->in_c, .in_h = L->in_h, .in_w = L->in_w,
	    .out_c = L->out_c, .out_h = L->out_h, .out_w = L->out_w,
	    .k = L->k, .stride = L->stride, .pad = L->pad,
	    .weights = L->w, .n_weights = L->nw, .bias = L->b,
	    .coeffs = L->kind == HEC_ML_POLY ? L->c : NULL, .n_coeffs = L->nc,
	};
	return HEC_OK;
}

float *hec_ml_model_weights(hec_ml_model *m, size_t i)
{
	return i < m->n_layers ? m->layers[i].w : NULL;
}

float *hec_ml_model_bias(hec_ml_model *m, size_t i)
{
	return i < m->n_layers ? m->layers[i].b : NULL;
}

double *hec_ml_model_coeffs(hec_ml_model *m, size_t i)
{
	return i < m->n_layers && m->layers[i].kind == HEC_ML_POLY ? m->layers[i].c : NULL;
}

size_t ml_model_infer_layers(const struct hec_ml_model *m)
{
	size_t n = m->n_layers;
	if (m->task == HEC_ML_BINARY && n > 0 && m->layers[n - 1].kind == HEC_ML_POLY)
		n--;
	return n;
}

size_t hec_ml_model_output_count(const hec_ml_model *m)
{
	size_t n = ml_model_infer_layers(m);
	return n ? ml_out_size(&m->layers[n - 1]) : ml_model_input_size(m);
}

unsigned hec_ml_model_mult_depth(const hec_ml_model *m)
{
	unsigned d = 0;
	for (size_t i = 0; i < m->n_layers; i++) {
		const struct ml_layer *L = &m->layers[i];
		if (L->kind == HEC_ML_CONV || L->kind == HEC_ML_DENSE)
			d += 1;
		else if (L->kind == HEC_ML_POLY && L->nc > 2) {
			unsigned deg = (unsigned)L->nc - 1, lg = 0;
			while ((1u << lg) < deg)
				lg++;
			d += lg;
		}
	}
	return d;
}

size_t hec_ml_model_input_size(const hec_ml_model *m)
{
	return ml_model_input_size(m);
}

size_t ml_model_input_size(const struct hec_ml_model *m)
{
	size_t s = 28 / m->input.pool;
	return s * s;
}

size_t ml_model_max_act(const struct hec_ml_model *m)
{
	size_t mx = ml_model_input_size(m);
	for (size_t i = 0; i < m->n_layers; i++)
		if (ml_out_size(&m->layers[i]) > mx)
			mx = ml_out_size(&m->layers[i]);
	return mx;
}

size_t ml_model_max_scratch(const struct hec_ml_model *m)
{
	size_t mx = 1;
	for (size_t i = 0; i < m->n_layers; i++)
		if (ml_layer_scratch(&m->layers[i]) > mx)
			mx = ml_layer_scratch(&m->layers[i]);
	return mx;
}

/* ---- Extension sections. */

static int builtin_tag(const char tag[4])
{
	return !memcmp(tag, "META", 4) || !memcmp(tag, "LAYR", 4);
}

hec_status hec_ml_model_section_set(hec_ml_model *m, const char tag[4], const void *data, size_t len)
{
	if (!m || !tag || (!data && len) || builtin_tag(tag) || len > ((size_t)1 << 26))
		return hec_error_set(HEC_ERR_ARG, "model: invalid extension section");
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return hec_error_set(HEC_ERR_NOMEM, "model: out of memory");
	if (len)
		memcpy(copy, data, len);
	for (size_t i = 0; i < m->n_sec; i++)
		if (!memcmp(m->sec[i].tag, tag, 4)) {
			free(m->sec[i].data);
			m->sec[i].data = copy;
			m->sec[i].len = len;
			return HEC_OK;
		}
	struct ml_section *s = realloc(m->sec, (m->n_sec + 1) * sizeof *s);
	if (!s) {
		free(copy);
		return hec_error_set(HEC_ERR_NOMEM, "model: out of memory");
	}
	m->sec = s;
	memcpy(s[m->n_sec].tag, tag, 4);
	s[m->n_sec].flags = 0;
	s[m->n_sec].data = copy;
	s[m->n_sec].len = len;
	m->n_sec++;
	return HEC_OK;
}

const void *hec_ml_model_section_get(const hec_ml_model *m, const char tag[4], size_t *len)
{
	for (size_t i = 0; m && tag && i < m->n_sec; i++)
		if (!memcmp(m->sec[i].tag, tag, 4)) {
			if (len)
				*len = m->sec[i].len;
			return m->sec[i].data;
		}
	if (len)
		*len = 0;
	return NULL;
}

/* ---- Inference. */

void hec_ml_model_prepare_input(const hec_ml_model *m, float *dst, const float *px)
{
	size_t p = m->input.pool, s = 28 / p;
	float inv = 1.0f / (float)(p * p);
	for (size_t y = 0; y < s; y++)
		for (size_t x = 0; x < s; x++) {
			float acc = 0;
			for (size_t dy = 0; dy < p; dy++)
				for (size_t dx = 0; dx < p; dx++)
					acc += px[(y * p + dy) * 28 + x * p + dx];
			dst[y * s + x] = (acc * inv - m->input.mean) / m->input.std;
		}
}

void hec_ml_model_prepare_input_u8(const hec_ml_model *m, float *dst, const uint8_t *px)
{
	float f[784];
	for (size_t i = 0; i < 784; i++)
		f[i] = (float)px[i] / 255.0f;
	hec_ml_model_prepare_input(m, dst, f);
}

/* Forward through layers [0, n) using two ping-pong buffers of max_act
 * floats; returns the buffer holding the output. */
static const float *run(const hec_ml_model *m, size_t n, const float *input, float *a, float *b,
                        float *scratch)
{
	const float *cur = input;
	for (size_t i = 0; i < n; i++) {
		float *out = (cur == a) ? b : a;
		ml_layer_forward(&m->layers[i], out, cur, scratch);
		cur = out;
	}
	return cur;
}

hec_status hec_ml_model_forward(const hec_ml_model *m, float *out, const float *input)
{
	size_t act = ml_model_max_act(m), scr = ml_model_max_scratch(m);
	float *buf = malloc((2 * act + scr) * sizeof *buf);
	if (!buf)
		return hec_error_set(HEC_ERR_NOMEM, "model: out of memory for activations");
	const float *r = run(m, ml_model_infer_layers(m), input, buf, buf + act, buf + 2 * act);
	memcpy(out, r, hec_ml_model_output_count(m) * sizeof *out);
	free(buf);
	return HEC_OK;
}

static size_t decide(const hec_ml_model *m, const float *o)
{
	if (m->task == HEC_ML_BINARY)
		return o[0] > 0 ? 1 : 0;
	size_t best = 0, n = hec_ml_model_output_count(m);
	if (n > m->n_classes)
		n = m->n_classes;
	for (size_t j = 1; j < n; j++)
		if (o[j] > o[best])
			best = j;
	return best;
}

hec_status hec_ml_model_predict(const hec_ml_model *m, unsigned *label, float *scores,
                                const float *pixels28)
{
	size_t in = ml_model_input_size(m), no = hec_ml_model_output_count(m);
	float *x = malloc((in + no) * sizeof *x);
	if (!x)
		return hec_error_set(HEC_ERR_NOMEM, "model: out of memory");
	hec_ml_model_prepare_input(m, x, pixels28);
	hec_status s = hec_ml_model_forward(m, x + in, x);
	if (!s) {
		*label = m->classes[decide(m, x + in)];
		if (scores)
			memcpy(scores, x + in, no * sizeof *scores);
	}
	free(x);
	return s;
}

static int class_index(const hec_ml_model *m, unsigned label)
{
	for (size_t i = 0; i < m->n_classes; i++)
		if (m->classes[i] == label)
			return (int)i;
	return -1;
}

hec_status hec_ml_model_evaluate(const hec_ml_model *m, const hec_ml_dataset *d, size_t *correct,
                                 size_t *total, uint64_t *confusion)
{
	if (hec_ml_dataset_rows(d) != 28 || hec_ml_dataset_cols(d) != 28)
		return hec_error_set(HEC_ERR_MISMATCH, "evaluate: images are %zu x %zu, the model reads 28 x 28",
		                     hec_ml_dataset_rows(d), hec_ml_dataset_cols(d));
	size_t n = hec_ml_dataset_count(d);
	int *pred = malloc(n * sizeof *pred);
	if (!pred)
		return hec_error_set(HEC_ERR_NOMEM, "evaluate: out of memory");
	size_t act = ml_model_max_act(m), scr = ml_model_max_scratch(m), in = ml_model_input_size(m);
	size_t nl = ml_model_infer_layers(m);
	int fail = 0;
#pragma omp parallel
	{
		float *buf = malloc((3 * act + scr + in) * sizeof *buf);
		if (!buf) {
#pragma omp atomic write
			fail = 1;
		}
#pragma omp for schedule(static)
		for (size_t i = 0; i < n; i++) {
			pred[i] = -1;
			if (!buf || class_index(m, hec_ml_dataset_label(d, i)) < 0)
				continue;
			float *x = buf + 3 * act + scr;
			hec_ml_model_prepare_input_u8(m, x, hec_ml_dataset_image(d, i));
			const float *o = run(m, nl, x, buf, buf + act, buf + 2 * act);
			pred[i] = (int)decide(m, o);
		}
		free(buf);
	}
	if (fail) {
		free(pred);
		return hec_error_set(HEC_ERR_NOMEM, "evaluate: out of memory");
	}
	size_t c = 0, t = 0, k = m->n_classes;
	if (confusion)
		memset(confusion, 0, k * k * sizeof *confusion);
	for (size_t i = 0; i < n; i++) {
		int truth = class_index(m, hec_ml_dataset_label(d, i));
		if (truth < 0 || pred[i] < 0)
			continue;
		t++;
		c += pred[i] == truth;
		if (confusion)
			confusion[(size_t)truth * k + (size_t)pred[i]]++;
	}
	free(pred);
	*correct = c;
	*total = t;
	return HEC_OK;
}

/* ---- Flat parameter access and the loss gradient (for tests and
 * trainers). */

size_t hec_ml_model_param_count(const hec_ml_model *m)
{
	size_t n = 0;
	for (size_t i = 0; i < m->n_layers; i++)
		n += ml_layer_params(&m->layers[i]);
	return n;
}

hec_status hec_ml_model_param_get(const hec_ml_model *m, float *dst)
{
	for (size_t i = 0; i < m->n_layers; i++) {
		const struct ml_layer *L = &m->layers[i];
		if (L->nw) {
			memcpy(dst, L->w, L->nw * sizeof *dst);
			memcpy(dst + L->nw, L->b, L->nb * sizeof *dst);
			dst += L->nw + L->nb;
		}
		if (L->kind == HEC_ML_POLY && L->trainable)
			for (size_t k = 0; k < L->nc; k++)
				*dst++ = (float)L->c[k];
	}
	return HEC_OK;
}

hec_status hec_ml_model_param_set(hec_ml_model *m, const float *src)
{
	for (size_t i = 0; i < m->n_layers; i++) {
		struct ml_layer *L = &m->layers[i];
		if (L->nw) {
			memcpy(L->w, src, L->nw * sizeof *src);
			memcpy(L->b, src + L->nw, L->nb * sizeof *src);
			src += L->nw + L->nb;
		}
		if (L->kind == HEC_ML_POLY && L->trainable)
			for (size_t k = 0; k < L->nc; k++)
				L->c[k] = *src++;
	}
	return HEC_OK;
}
