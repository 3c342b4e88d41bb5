// Progress bars for a training run's stages: pairs done, pairs/s and ETA, then the step and its loss.
import { Progress } from '@aurola/jobs';
import type { RunConfig, RunOptions, StageName } from '@aurola/train';

/** The run hooks that draw one bar per stage (a resumed stage counts the pairs it has left); `label` prefixes each. */
export function stageProgress(config: RunConfig, label = ''): Pick<RunOptions, 'onStageStart' | 'onStep'> {
  const bars = new Map<string, Progress>();
  const pairs = (stage: string) => config[stage as StageName].batchPairs;
  return {
    onStageStart: (stage, done, steps) => {
      bars.set(stage, new Progress(`  ${label}${stage}`, (steps - done) * pairs(stage), { unit: 'pairs' }));
    },
    onStep: (stage, step, steps, loss) => {
      const bar = bars.get(stage)!;
      bar.setNote(`step ${step}/${steps}, loss ${loss.toFixed(4)}`);
      bar.tick(true, pairs(stage));
    },
  };
}
