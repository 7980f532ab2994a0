using PredictiveSharding.Keys;

namespace PredictiveSharding.Storage.RocksDb.Fencing;

/// <summary>A write fence on a node's range; writers that meet it wait for <see cref="Released"/>.</summary>
internal sealed class WriteFence : IAsyncDisposable
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<WriteFence> _remove;
    private int _releasing;

    public WriteFence(KeyRange range, long raisedAtTimestamp, Action<WriteFence> remove)
    {
        Range = range;
        RaisedAtTimestamp = raisedAtTimestamp;
        _remove = remove;
    }

    public KeyRange Range { get; }

    public long RaisedAtTimestamp { get; }

    public Task Released => _released.Task;

    public ValueTask DisposeAsync()
    {
        Release();
        return ValueTask.CompletedTask;
    }

    /// <summary>Lifts the fence; idempotent.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _releasing, 1) == 0)
        {
            // Remove before waking the writers, so a woken writer cannot meet this fence again.
            _remove(this);
            _released.TrySetResult();
        }
    }
}
