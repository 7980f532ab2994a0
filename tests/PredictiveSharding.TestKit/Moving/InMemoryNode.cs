using System.Buffers.Binary;
using System.Security.Cryptography;
using PredictiveSharding.Keys;
using PredictiveSharding.Moving;
using PredictiveSharding.Topology;

namespace PredictiveSharding.TestKit.Moving;

/// <summary>One node of <see cref="InMemoryDataMover"/>: an ordered set of cells, change captures and fences under one lock.</summary>
internal sealed class InMemoryNode
{
    private readonly object _gate = new();
    private readonly SortedSet<Cell> _cells = new(Cell.ByKey);
    private readonly Dictionary<string, CaptureLog> _captures = new(StringComparer.Ordinal);
    private readonly List<WriteFence> _fences = [];
    private long _nextSequence = 1;

    public InMemoryNode(NodeId id) => Id = id;

    public NodeId Id { get; }

    public int CaptureCount
    {
        get
        {
            lock (_gate)
            {
                return _captures.Count;
            }
        }
    }

    public int FenceCount
    {
        get
        {
            lock (_gate)
            {
                return _fences.Count;
            }
        }
    }

    public async ValueTask HostWriteAsync(ShardKey key, byte[]? value, RoutingVersionGuard? guard, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Task released;
            lock (_gate)
            {
                var fence = _fences.Find(f => f.Range.Contains(key));
                if (fence is null)
                {
                    // Checked under the same lock as the write: a cut-over cannot slip between the check and the write.
                    guard?.EnsureOwner(Id, key);
                    Store(key, value);
                    return;
                }

                released = fence.Released.Task;
            }

            await released.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public byte[]? Get(ShardKey key)
    {
        lock (_gate)
        {
            return _cells.TryGetValue(Cell.Probe(key), out var cell) ? cell.Value : null;
        }
    }

    public IReadOnlyList<KeyValueEntry> Dump(KeyRange range)
    {
        lock (_gate)
        {
            var result = new List<KeyValueEntry>();
            foreach (var cell in View(range, range.Start))
            {
                result.Add(new KeyValueEntry(cell.Key, cell.Value));
            }

            return result;
        }
    }

    public void Write(IReadOnlyList<KeyValueEntry> entries)
    {
        lock (_gate)
        {
            foreach (var entry in entries)
            {
                Store(entry.Key, entry.Value.ToArray());
            }
        }
    }

    public void Apply(IReadOnlyList<ChangeRecord> changes)
    {
        lock (_gate)
        {
            foreach (var change in changes)
            {
                ArgumentNullException.ThrowIfNull(change, nameof(changes));
                Store(change.Key, change.Value?.ToArray());
            }
        }
    }

    public void DeleteRange(KeyRange range)
    {
        lock (_gate)
        {
            foreach (var cell in View(range, range.Start).ToList())
            {
                Store(cell.Key, null);
            }
        }
    }

    public RangeChunk ReadChunk(KeyRange range, ShardKey from, int maxBytes)
    {
        if (from < range.Start)
        {
            throw new ArgumentException($"A chunk must start inside the range {range}; got '{from}'.", nameof(from));
        }

        lock (_gate)
        {
            var entries = new List<KeyValueEntry>();
            long bytes = 0;
            foreach (var cell in View(range, from))
            {
                var size = cell.Key.Length + cell.Value.Length;
                if (entries.Count > 0 && bytes + size > maxBytes)
                {
                    return new RangeChunk(entries, cell.Key);
                }

                entries.Add(new KeyValueEntry(cell.Key, cell.Value));
                bytes += size;
            }

            return new RangeChunk(entries, null);
        }
    }

    public RangeChecksum Checksum(KeyRange range)
    {
        using var scan = OpenChecksumScan(range);
        return scan.Step(int.MaxValue).Checksum!.Value;
    }

    /// <summary>A scan of the range's entries as they are now, with the sequence that splits the change feed there.</summary>
    public InMemoryChecksumScan OpenChecksumScan(KeyRange range)
    {
        lock (_gate)
        {
            var entries = new List<KeyValueEntry>();
            foreach (var cell in View(range, range.Start))
            {
                entries.Add(new KeyValueEntry(cell.Key, cell.Value));
            }

            return new InMemoryChecksumScan(entries, _nextSequence);
        }
    }

    public ChangeCapture StartCapture(KeyRange range, string id)
    {
        lock (_gate)
        {
            if (!_captures.TryGetValue(id, out var log))
            {
                log = new CaptureLog(new ChangeCapture(id, Id, range, _nextSequence));
                _captures.Add(id, log);
            }

            return log.Capture;
        }
    }

    public ChangeCapture? FindCapture(string id)
    {
        lock (_gate)
        {
            return _captures.TryGetValue(id, out var log) ? log.Capture : null;
        }
    }

    public void StopCapture(string id)
    {
        lock (_gate)
        {
            _captures.Remove(id);
        }
    }

    public IReadOnlyList<ChangeRecord> ReadChanges(string id, long fromSequence, int maxChanges)
    {
        lock (_gate)
        {
            if (!_captures.TryGetValue(id, out var log))
            {
                throw new InvalidOperationException($"Change capture '{id}' is not open on node '{Id}'.");
            }

            var records = log.Records;
            var low = 0;
            var high = records.Count;
            while (low < high)
            {
                var mid = (low + high) >>> 1;
                if (records[mid].Sequence < fromSequence)
                {
                    low = mid + 1;
                }
                else
                {
                    high = mid;
                }
            }

            return records.GetRange(low, Math.Min(maxChanges, records.Count - low));
        }
    }

    public IAsyncDisposable Fence(KeyRange range)
    {
        lock (_gate)
        {
            // Idempotent (IDataMover): a retry of a fence whose reply was lost gets the fence it took, and lifts it.
            if (_fences.Find(f => f.Range == range) is { } existing)
            {
                return existing;
            }

            // Host writes run to completion inside the lock, so once the fence is in the list none is in flight.
            var fence = new WriteFence(this, range);
            _fences.Add(fence);
            return fence;
        }
    }

    private void Release(WriteFence fence)
    {
        lock (_gate)
        {
            _fences.Remove(fence);
        }

        fence.Released.TrySetResult();
    }

    private void Store(ShardKey key, byte[]? value)
    {
        var sequence = _nextSequence++;
        var probe = Cell.Probe(key);
        if (value is null)
        {
            _cells.Remove(probe);
        }
        else if (_cells.TryGetValue(probe, out var existing))
        {
            existing.Value = value;
        }
        else
        {
            _cells.Add(new Cell(ShardKey.FromBytes(key.Span), value));
        }

        // Spelled out: a null byte[] (or a bare null next to a ReadOnlyMemory) converts to an empty, non-null memory,
        // which would turn a delete into a put of an empty value.
        var recorded = value is null ? default(ReadOnlyMemory<byte>?) : new ReadOnlyMemory<byte>(value);
        foreach (var log in _captures.Values)
        {
            if (log.Capture.Range.Contains(key))
            {
                log.Records.Add(new ChangeRecord(sequence, key, recorded));
            }
        }
    }

    private IEnumerable<Cell> View(KeyRange range, ShardKey from)
    {
        if (_cells.Count == 0)
        {
            yield break;
        }

        foreach (var cell in _cells.GetViewBetween(Cell.Probe(from), Cell.PositiveInfinity))
        {
            if (!range.Contains(cell.Key))
            {
                yield break;
            }

            yield return cell;
        }
    }

    private sealed class CaptureLog(ChangeCapture capture)
    {
        public ChangeCapture Capture { get; } = capture;

        public List<ChangeRecord> Records { get; } = [];
    }

    private sealed class WriteFence(InMemoryNode node, KeyRange range) : IAsyncDisposable
    {
        private int _disposed;

        public KeyRange Range { get; } = range;

        public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                node.Release(this);
            }

            return ValueTask.CompletedTask;
        }
    }

    private sealed class Cell(ShardKey key, byte[] value)
    {
        public static readonly Cell PositiveInfinity = new(ShardKey.Empty, []);

        public static readonly IComparer<Cell> ByKey = Comparer<Cell>.Create(Compare);

        public ShardKey Key { get; } = key;

        // Replaced on every write, never mutated, so readers may hold the array after the lock is released.
        public byte[] Value { get; set; } = value;

        public static Cell Probe(ShardKey key) => new(key, []);

        private static int Compare(Cell? x, Cell? y)
        {
            if (ReferenceEquals(x, y))
            {
                return 0;
            }

            if (ReferenceEquals(x, PositiveInfinity))
            {
                return 1;
            }

            if (ReferenceEquals(y, PositiveInfinity))
            {
                return -1;
            }

            return x!.Key.CompareTo(y!.Key);
        }
    }
}
