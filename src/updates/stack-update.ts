// A stack service's update goes through its stack's deploy, not a recreate of the one container:
// the current revision is deployed again as a new revision with its images pulled, so Compose
// recreates the services whose image changed, the deploy verifies them, the revision history
// shows the update, and a failure puts the previous revision back with the digests it ran.
import type { Principal } from '../auth/principal.ts';
import type { JobRegistry } from '../jobs/job-registry.ts';
import type { StackService } from '../stacks/stack-service.ts';
import type { Replacement } from './apply-update.ts';

export function stackReplacement(
  stacks: StackService,
  jobs: JobRegistry,
  target: { environmentId: number; project: string; service: string; principal?: Principal },
): Replacement {
  const { environmentId, project, service } = target;
  return {
    describe: `deploy stack ${project} again (a new revision), which recreates its ${service} service`,
    async run(report) {
      const job = await stacks.updateImages(environmentId, project, target.principal);
      report(`deploying stack ${project} again`);
      let error: string | undefined;
      for await (const message of jobs.follow(job.id)) {
        if (message.type === 'end') error = message.job.error;
      }
      const [revision] = await stacks.revisions(environmentId, project);
      const which = `stack ${project} revision ${revision?.number ?? '?'}`;
      if (revision?.outcome === 'deployed')
        return { outcome: 'updated', detail: `${which} deployed; ${service} runs the new image` };
      if (revision?.outcome === 'rolled-back')
        return { outcome: 'rolled-back', detail: `${which}: ${revision.message}` };
      return { outcome: 'failed', detail: `${which}: ${revision?.message || error || 'the deploy failed'}` };
    },
  };
}
