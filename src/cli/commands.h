/* The `hecate` subcommands.  Each returns a process exit status (0 success,
 * 1 runtime failure, 2 usage error) and handles its own --help. */
#ifndef HECATE_CLI_COMMANDS_H
#define HECATE_CLI_COMMANDS_H

int hec_cmd_cpu(int argc, char **argv);
int hec_cmd_train(int argc, char **argv);
int hec_cmd_train_lr(int argc, char **argv);
int hec_cmd_eval(int argc, char **argv);
int hec_cmd_predict(int argc, char **argv);
int hec_cmd_info(int argc, char **argv);
int hec_cmd_params(int argc, char **argv);
int hec_cmd_keygen(int argc, char **argv);
int hec_cmd_encrypt(int argc, char **argv);
int hec_cmd_classify(int argc, char **argv);
int hec_cmd_decrypt(int argc, char **argv);
int hec_cmd_encrypt_dataset(int argc, char **argv);
int hec_cmd_train_encrypted(int argc, char **argv);
int hec_cmd_decrypt_model(int argc, char **argv);

#endif
