using PredictiveSharding.Moving;

namespace PredictiveSharding.Execution.FaultInjection;

/// <summary>
/// A copy that crashes (per a <see cref="CrashSwitch"/>) before a step or a commit reaches the store: kill the executor
/// with entries copied but not committed, or between a commit (e.g. an ingest) and the journal record that follows it.
/// Disposal always reaches the inner copy, as a store frees what a dead client held.
/// </summary>
internal sealed class CrashingRangeCopy(RangeCopy inner, CrashSwitch crash) : RangeCopy
{
    public override RangeChecksum? SourceChecksum => inner.SourceChecksum;

    public override bool ReadsBackTarget => inner.ReadsBackTarget;

    public override RangeChecksum? TargetChecksum => inner.TargetChecksum;

    public override ValueTask<RangeCopyStep> CopyNextAsync(int maxBytes, CancellationToken cancellationToken)
    {
        crash.Tick("copy step");
        return inner.CopyNextAsync(maxBytes, cancellationToken);
    }

    public override ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        crash.Tick("commit copy");
        return inner.CommitAsync(cancellationToken);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsyncCore().ConfigureAwait(false);
    }
}
