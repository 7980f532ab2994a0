using PredictiveSharding.Moving;

namespace PredictiveSharding.Execution.FaultInjection;

/// <summary>
/// A checksum scan that crashes (per a <see cref="CrashSwitch"/>) before a step reaches the store: kill the executor
/// mid-verification. Disposal always reaches the inner scan, as a store frees what a dead client held.
/// </summary>
internal sealed class CrashingChecksumScan(RangeChecksumScan inner, CrashSwitch crash) : RangeChecksumScan
{
    public override ValueTask<RangeChecksumStep> StepAsync(int maxBytes, CancellationToken cancellationToken)
    {
        crash.Tick("checksum step");
        return inner.StepAsync(maxBytes, cancellationToken);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsyncCore().ConfigureAwait(false);
    }
}
