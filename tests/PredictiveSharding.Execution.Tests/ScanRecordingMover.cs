using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Execution.Tests;

/// <summary>
/// Passes every call to <paramref name="inner"/> but opens checksum scans on <paramref name="store"/> (stepwise), and
/// records, per scan, the node and the executor's clock at every step, so a test can see how verification was paced.
/// </summary>
internal sealed class ScanRecordingMover(IDataMover inner, IDataMover store, TimeProvider time) : DelegatingDataMover(inner), IDataMover
{
    private readonly List<ScanRecord> _scans = [];

    public IReadOnlyList<ScanRecord> Scans
    {
        get
        {
            lock (_scans)
            {
                return [.. _scans];
            }
        }
    }

    public async ValueTask<RangeChecksumScan> OpenChecksumScanAsync(NodeId node, KeyRange range, CancellationToken cancellationToken)
    {
        var record = new ScanRecord(node);
        lock (_scans)
        {
            _scans.Add(record);
        }

        return new RecordingScan(await store.OpenChecksumScanAsync(node, range, cancellationToken), record, time);
    }

    /// <summary>One scan: its node, and per step the clock when it started and what it hashed.</summary>
    internal sealed class ScanRecord(NodeId node)
    {
        public NodeId Node { get; } = node;

        public List<(DateTimeOffset At, RangeChecksumStep Step)> Steps { get; } = [];

        public bool Disposed { get; set; }
    }

    private sealed class RecordingScan(RangeChecksumScan inner, ScanRecord record, TimeProvider time) : RangeChecksumScan
    {
        public override async ValueTask<RangeChecksumStep> StepAsync(int maxBytes, CancellationToken cancellationToken)
        {
            var at = time.GetUtcNow();
            var step = await inner.StepAsync(maxBytes, cancellationToken);
            record.Steps.Add((at, step));
            return step;
        }

        protected override async ValueTask DisposeAsyncCore()
        {
            record.Disposed = true;
            await inner.DisposeAsync();
            await base.DisposeAsyncCore();
        }
    }
}
