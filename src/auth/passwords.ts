// Local passwords: argon2id through Bun.password, and the policy new passwords must meet. Common
// passwords and their obvious variations (Password1234, qwertyuiop123) are found by zxcvbn-ts
// with its list of common passwords, words and keyboard patterns.
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;
/** zxcvbn's 0-4 score; 3 means about 10^8 guesses or more, out of reach of online guessing. */
const MIN_PASSWORD_SCORE = 3;

let estimator: ZxcvbnFactory | undefined;
/** Built on first use: loading the dictionaries takes a fifth of a second. */
const strength = (password: string, userInputs: string[]) => {
  estimator ??= new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs });
  return estimator.check(password, userInputs);
};

export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, { algorithm: 'argon2id' });
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return Bun.password.verify(password, hash);
}

/** The reason a password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string, username: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH)
    return `the password needs at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH)
    return `the password may have at most ${MAX_PASSWORD_LENGTH} characters`;
  if (username && password.toLowerCase().includes(username.toLowerCase())) {
    return 'the password must not contain the user name';
  }
  if (new Set(password).size < 5) return 'the password repeats too few different characters';
  if (strength(password, username ? [username, 'windflow'] : ['windflow']).score < MIN_PASSWORD_SCORE) {
    return 'the password is too easy to guess: it is close to a common password or a simple pattern; use a few unrelated words';
  }
  return undefined;
}
