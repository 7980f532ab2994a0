using System.Diagnostics.Metrics;

namespace PredictiveSharding.Execution.Diagnostics;

/// <summary>The executor's counters, on the Meter named after the package so OpenTelemetry can pick them up.</summary>
internal sealed class ExecutionMetrics : IDisposable
{
    public const string MeterName = "PredictiveSharding.Execution";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    public ExecutionMetrics(IMeterFactory? meterFactory)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        MovesStarted = _meter.CreateCounter<long>("psharding.moves.started", "{move}", "Moves started.");
        MovesCompleted = _meter.CreateCounter<long>("psharding.moves.completed", "{move}", "Moves whose new owner was published.");
        MovesRolledBack = _meter.CreateCounter<long>("psharding.moves.rolled_back", "{move}", "Moves undone after a failure, a cancellation or a verification mismatch.");
        MovesResumed = _meter.CreateCounter<long>("psharding.moves.resumed", "{move}", "Unpublished moves that recovery resumed from their journalled checkpoint after a crash.");
        BytesCopied = _meter.CreateCounter<long>("psharding.moves.bytes_copied", "By", "Bytes copied in chunks from sources to targets, each byte of a move once (what a retried copy copies again is not counted), as in the action reports.");
        ChangesApplied = _meter.CreateCounter<long>("psharding.moves.changes_applied", "{change}", "Captured writes applied to targets.");
        FenceDuration = _meter.CreateHistogram<double>("psharding.moves.fence_duration", "ms", "How long cut-overs held writes to a range.");
        JournalCompactionFailures = _meter.CreateCounter<long>("psharding.journal.compaction_failures", "{compaction}", "Compactions of the move journal, after a plan or a recovery, that failed (the result stands; a later plan or recovery tries again).");
    }

    public Counter<long> MovesStarted { get; }

    public Counter<long> MovesCompleted { get; }

    public Counter<long> MovesRolledBack { get; }

    public Counter<long> MovesResumed { get; }

    public Counter<long> BytesCopied { get; }

    public Counter<long> ChangesApplied { get; }

    public Histogram<double> FenceDuration { get; }

    public Counter<long> JournalCompactionFailures { get; }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
