// Waiting for a job in tests: followed through the registry's own message stream, as the UI
// follows it, until its end message (no polling of its status).
import type { Job, JobRegistry } from '../jobs/job-registry.ts';

export async function jobEnd(jobs: Pick<JobRegistry, 'follow'>, job: Pick<Job, 'id'>): Promise<Job> {
  for await (const message of jobs.follow(job.id)) if (message.type === 'end') return message.job;
  throw new Error(`job ${job.id} ended without an end message`);
}
