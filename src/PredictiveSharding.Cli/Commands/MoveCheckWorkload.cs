using PredictiveSharding.Keys;
using PredictiveSharding.Routing;
using PredictiveSharding.Storage.RocksDb;

namespace PredictiveSharding.Cli.Commands;

/// <summary>
/// The foreground traffic of move-check: W workers, each writing its own keys (key index mod W) and reading any key,
/// always through the current routing table to the node it names, re-routing when a node answers NotOwner.
/// </summary>
/// <remarks>
/// <para>
/// An acknowledged write is one whose PutAsync returned Ok; the worker then records (key → version) in
/// <see cref="Acknowledged"/>. Each key has one writer, so its versions are acknowledged in order.
/// </para>
/// <para>
/// A stale read is a read, served by the node the routing named, that returned an older version than the last write of
/// that key acknowledged before the read began (or no value although one was acknowledged).
/// </para>
/// <para>
/// Most operations (three in four) go to the keys of the ranges being moved right now (<see cref="SetHotRanges"/>),
/// the rest anywhere, so writes land before, during and after every copy, catch-up and cut-over.
/// </para>
/// </remarks>
internal sealed class MoveCheckWorkload
{
    private readonly RocksDbCluster _cluster;
    private readonly IRoutingTable _routing;
    private readonly MoveCheckKeySpace _keys;
    private readonly int _workers;
    private readonly int _seed;
    private readonly long[] _acknowledged;
    private (int First, int End)[] _hot = [];
    private long _acknowledgedWrites;
    private long _reads;
    private long _staleReads;
    private long _redirects;

    public MoveCheckWorkload(RocksDbCluster cluster, IRoutingTable routing, MoveCheckKeySpace keys, int workers, int seed)
    {
        _cluster = cluster;
        _routing = routing;
        _keys = keys;
        _workers = workers;
        _seed = seed;
        _acknowledged = new long[keys.Count];
    }

    /// <summary>The last acknowledged version of each key (0 = the initial load).</summary>
    public IReadOnlyList<long> Acknowledged => _acknowledged;

    public long AcknowledgedWrites => Interlocked.Read(ref _acknowledgedWrites);

    public long Reads => Interlocked.Read(ref _reads);

    public long StaleReads => Interlocked.Read(ref _staleReads);

    public long Redirects => Interlocked.Read(ref _redirects);

    /// <summary>Loads every key at version 0 on its owner (counted as acknowledged writes).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        var map = _routing.Current;
        foreach (var group in Enumerable.Range(0, _keys.Count).GroupBy(i => map.Route(_keys.Keys[i]).Node))
        {
            foreach (var batch in group.Chunk(1000))
            {
                var entries = batch.Select(i => new PredictiveSharding.Moving.KeyValueEntry(_keys.Keys[i], _keys.Value(i, 0))).ToList();
                var result = await _cluster.Node(group.Key).PutManyAsync(entries, cancellationToken).ConfigureAwait(false);
                if (!result.Applied)
                {
                    throw new InvalidOperationException($"Loading keys on node '{group.Key}' was refused: it does not own them in routing version {result.RoutingVersion}.");
                }
            }
        }

        Interlocked.Add(ref _acknowledgedWrites, _keys.Count);
    }

    /// <summary>Points most of the traffic at these ranges (the ones the current plan moves).</summary>
    public void SetHotRanges(IEnumerable<KeyRange> ranges) =>
        Volatile.Write(ref _hot, ranges.Select(_keys.IndexesOf).Where(r => r.End > r.First).ToArray());

    /// <summary>Runs the workers until <paramref name="stop"/> is cancelled.</summary>
    public Task RunAsync(CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, _workers).Select(w => Task.Run(() => WorkerAsync(w, stop), CancellationToken.None)));

    private async Task WorkerAsync(int worker, CancellationToken stop)
    {
        // Seeded per worker; thread interleaving still varies from run to run, which is the point of a torture test.
#pragma warning disable CA5394 // Not security-sensitive: reproducible test traffic.
        var random = new Random(HashCode.Combine(_seed, worker));
        while (!stop.IsCancellationRequested)
        {
            var index = PickKey(random);
            try
            {
                if (random.Next(2) == 0)
                {
                    // Only this worker writes keys congruent to it, so move the pick onto one of those.
                    index -= index % _workers;
                    index += worker;
                    if (index >= _keys.Count)
                    {
                        index -= _workers;
                    }

                    if (index >= 0)
                    {
                        await WriteAsync(index, stop).ConfigureAwait(false);
                    }
                }
                else
                {
                    Read(index);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Stopped while waiting at a fence: that write was never applied nor acknowledged.
                return;
            }

            if (random.Next(64) == 0)
            {
                await Task.Yield();
            }
        }
#pragma warning restore CA5394
    }

#pragma warning disable CA5394
    private int PickKey(Random random)
    {
        var hot = Volatile.Read(ref _hot);
        if (hot.Length > 0 && random.Next(4) != 0)
        {
            var (first, end) = hot[random.Next(hot.Length)];
            return random.Next(first, end);
        }

        return random.Next(_keys.Count);
    }
#pragma warning restore CA5394

    private async Task WriteAsync(int index, CancellationToken stop)
    {
        var version = Volatile.Read(ref _acknowledged[index]) + 1;
        var key = _keys.Keys[index];
        var value = _keys.Value(index, version);
        while (true)
        {
            var owner = _routing.Current.Route(key).Node;
            var result = await _cluster.Node(owner).PutAsync(key, value, stop).ConfigureAwait(false);
            if (result.Applied)
            {
                Volatile.Write(ref _acknowledged[index], version);
                Interlocked.Increment(ref _acknowledgedWrites);
                return;
            }

            Interlocked.Increment(ref _redirects);
        }
    }

    private void Read(int index)
    {
        var acknowledgedBefore = Volatile.Read(ref _acknowledged[index]);
        var key = _keys.Keys[index];
        while (true)
        {
            var owner = _routing.Current.Route(key).Node;
            var result = _cluster.Node(owner).Get(key);
            if (result.Status == StoreStatus.Ok)
            {
                Interlocked.Increment(ref _reads);
                var version = result.Value is { } value ? MoveCheckKeySpace.VersionOf(index, value.Span) : -1;
                if (version < acknowledgedBefore)
                {
                    Interlocked.Increment(ref _staleReads);
                }

                return;
            }

            Interlocked.Increment(ref _redirects);
        }
    }
}
