/**
 * Errors crossing the thread boundary. A job's error is posted as plain data and rebuilt on the
 * main thread as the same class where the class matters to the caller (a ring's issues, a minimum
 * cut's reason), so call sites handle them exactly as when the job ran in process.
 */
import { MinCutError, type MinCutErrorCode } from '@citywatch/core/perimeter/mincut';
import { type RingIssue, RingValidationError } from '@citywatch/core/perimeter/ring';

export interface PostedError {
  name: string;
  message: string;
  stack?: string;
  issues?: readonly RingIssue[];
  code?: string;
  path?: readonly number[];
}

export function postError(error: unknown): PostedError {
  if (error instanceof RingValidationError) {
    return { name: error.name, message: error.message, stack: error.stack, issues: error.issues };
  }
  if (error instanceof MinCutError) {
    return {
      name: error.name,
      message: error.message,
      stack: error.stack,
      code: error.code,
      path: error.path,
    };
  }
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}

export function reviveError(posted: PostedError, job: string): Error {
  if (posted.name === 'RingValidationError' && posted.issues) return new RingValidationError(posted.issues);
  if (posted.name === 'MinCutError' && posted.code) {
    return new MinCutError(posted.code as MinCutErrorCode, posted.message, posted.path ?? []);
  }
  const error = new Error(`${posted.message} (in worker job ${job})`);
  error.name = posted.name;
  if (posted.stack) error.stack = `${error.name}: ${error.message}\n    in worker:\n${posted.stack}`;
  return error;
}
