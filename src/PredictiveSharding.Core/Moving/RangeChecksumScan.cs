namespace PredictiveSharding.Moving;

/// <summary>
/// A checksum of one key range on one node, over one snapshot, computed in steps, opened by
/// <see cref="IDataMover.OpenChecksumScanAsync"/>. The executor calls <see cref="StepAsync"/> until it returns the last
/// step (which carries the checksum), pacing the steps with its copy throttle, then disposes the scan.
/// </summary>
/// <remarks>
/// A store overrides <see cref="IDataMover.OpenChecksumScanAsync"/> when it can hold one snapshot and an iterator across
/// steps: a verification read-back is then paced like the copy instead of reading the whole range at full speed. Not
/// thread-safe: one caller at a time.
/// </remarks>
public abstract class RangeChecksumScan : IAsyncDisposable
{
    private int _disposed;

    /// <summary>
    /// Hashes the next entries of the range, about <paramref name="maxBytes"/> of keys and values (at least one entry when
    /// any is left; the default scan of <see cref="IDataMover.OpenChecksumScanAsync"/> hashes the whole range at once). The last step carries the checksum, equal to what <see cref="IDataMover.ChecksumAsync"/> returns for
    /// the snapshot the scan was opened on; steps after it return it again with nothing scanned.
    /// </summary>
    /// <param name="maxBytes">Bytes of keys and values to hash in this step; positive.</param>
    /// <param name="cancellationToken">Cancels the step; the scan must then be disposed.</param>
    public abstract ValueTask<RangeChecksumStep> StepAsync(int maxBytes, CancellationToken cancellationToken);

    /// <summary>Frees what the scan holds (snapshot, iterator).</summary>
    public async ValueTask DisposeAsync()
    {
        // Once only, as DisposeAsyncCore promises: a store frees native snapshots and iterators there.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await DisposeAsyncCore().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees what the scan holds; called by the first <see cref="DisposeAsync"/> only.</summary>
    protected virtual ValueTask DisposeAsyncCore() => ValueTask.CompletedTask;
}
