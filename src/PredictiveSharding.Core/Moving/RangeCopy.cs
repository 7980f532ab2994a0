namespace PredictiveSharding.Moving;

/// <summary>
/// A copy of one key range from a source node to a target node, in steps, opened by
/// <see cref="IDataMover.OpenCopyAsync"/>. The executor calls <see cref="CopyNextAsync"/> until it returns the last step,
/// <see cref="CommitAsync"/> before it journals a position (and at the end), then disposes the copy.
/// </summary>
/// <remarks>
/// A store overrides <see cref="IDataMover.OpenCopyAsync"/> when it can copy faster than chunk reads and writes: e.g. read
/// one snapshot with one iterator, build the target's files directly and ingest them at <see cref="CommitAsync"/>, and
/// checksum the source from the bytes it copies (<see cref="SourceChecksum"/>), and read back each commit on the target
/// while the next chunks copy (<see cref="TargetChecksum"/>). Not thread-safe: one caller at a time.
/// </remarks>
public abstract class RangeCopy : IAsyncDisposable
{
    private int _disposed;

    /// <summary>
    /// The ordered checksum (as <see cref="IDataMover.ChecksumAsync"/> computes it) of exactly the entries this copy read,
    /// when they are the whole range as one snapshot of the source (<see cref="RangeChecksum.Sequence"/> names it);
    /// otherwise null, and always null before the last step. The executor may then compare the target with it instead of
    /// checksumming the source again.
    /// </summary>
    public virtual RangeChecksum? SourceChecksum => null;

    /// <summary>
    /// True when the copy reads back, from the target, what each <see cref="CommitAsync"/> made durable there while later
    /// steps go on (see <see cref="TargetChecksum"/>). That read costs the target as much as a verification read would, so
    /// the executor's throttle charges every byte such a copy copies twice.
    /// </summary>
    public virtual bool ReadsBackTarget => false;

    /// <summary>
    /// The ordered checksum (as <see cref="IDataMover.ChecksumAsync"/> computes it) of the whole range read back from the
    /// target after the commits that made the copy durable there, when the copy also offers a <see cref="SourceChecksum"/>
    /// and read back every key of the range on the target (between and around the copied entries too, so a stray entry
    /// counts); otherwise null, and always null before the last <see cref="CommitAsync"/>. Its
    /// <see cref="RangeChecksum.Sequence"/> is the source snapshot's. The executor then compares it with
    /// <see cref="SourceChecksum"/> instead of reading the target again: the verification read overlaps the copy.
    /// </summary>
    public virtual RangeChecksum? TargetChecksum => null;

    /// <summary>
    /// Copies the next entries of the range, about <paramref name="maxBytes"/> of keys and values (at least one entry
    /// when any is left). What a step wrote may stay invisible on the target until <see cref="CommitAsync"/>.
    /// </summary>
    /// <param name="maxBytes">Bytes of keys and values to copy in this step; positive.</param>
    /// <param name="cancellationToken">Cancels the step; what it copied is then undefined until the copy is opened again.</param>
    public abstract ValueTask<RangeCopyStep> CopyNextAsync(int maxBytes, CancellationToken cancellationToken);

    /// <summary>
    /// Makes every entry copied so far durable on the target, as <see cref="IDataMover.WriteAsync"/> would have: when this
    /// returns, a copy reopened after the last step's resume key loses nothing.
    /// </summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public abstract ValueTask CommitAsync(CancellationToken cancellationToken);

    /// <summary>Frees what the copy holds (snapshot, iterator, unfinished files); entries not committed may be lost.</summary>
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

    /// <summary>Frees what the copy holds; called by the first <see cref="DisposeAsync"/> only.</summary>
    protected virtual ValueTask DisposeAsyncCore() => ValueTask.CompletedTask;
}
