/* `hecate`: the command-line front end.  One subcommand per file. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "hecate/hecate.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"cpu", hec_cmd_cpu, "print the detected SIMD features and the kernel in use"},
	{"train", hec_cmd_train, "train an HE-friendly CNN on MNIST or Fashion-MNIST"},
	{"train-lr", hec_cmd_train_lr, "train logistic regression (NAG, polynomial sigmoid)"},
	{"eval", hec_cmd_eval, "test accuracy and confusion matrix of a model"},
	{"predict", hec_cmd_predict, "classify an image (PNG, JPEG, PGM) in plaintext"},
	{"info", hec_cmd_info, "describe a Hecate file (model, keys, ciphertext, parameters)"},
	{"params", hec_cmd_params, "show a parameter set: chain, security, slots, depth, and why"},
	{"keygen", hec_cmd_keygen, "client: secret key and the server's evaluation keys for a model"},
	{"encrypt", hec_cmd_encrypt, "client: encrypt images (files or a data set's test images) for a model"},
	{"classify", hec_cmd_classify, "server: classify encrypted images with public keys only (--dry-run: cost)"},
	{"decrypt", hec_cmd_decrypt, "client: decrypt encrypted scores into labels and per-class scores"},
	{"encrypt-dataset", hec_cmd_encrypt_dataset, "client: keys + a task's training images encrypted for training"},
	{"train-encrypted", hec_cmd_train_encrypted, "server: logistic regression (NAG) on encrypted data, eval keys only"},
	{"decrypt-model", hec_cmd_decrypt_model, "client: decrypt an encrypted LR model into a model file"},
};

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: hecate [--help | --version] COMMAND [ARGS]\n\n"
	        "Homomorphic encryption (CKKS, BFV) and private image classification.\n\n"
	        "commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-16s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n`hecate COMMAND --help` describes a command.\n"
	             "Environment: HECATE_KERNEL=portable|avx2|avx512 forces an arithmetic kernel.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("hecate %s\n", HECATE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "hecate: unknown command '%s'; run `hecate --help` for the list\n", argv[1]);
	return 2;
}
