namespace PredictiveSharding.Execution.Tests;

/// <summary>
/// Starts a host write (routed through the cluster's routing table, not awaited, so it may wait at a fence) before every
/// mover call: writes land at every point of a move, deterministically, without threads.
/// </summary>
internal sealed class InterleavingWritesMover(TestCluster cluster, int seed, int keyCount) : DelegatingDataMover(cluster.Store)
{
    private readonly Random _random = new(seed);
    private readonly List<Task> _writes = [];
    private int _count;

    /// <summary>Waits for every write started so far.</summary>
    public Task DrainAsync()
    {
        lock (_writes)
        {
            return Task.WhenAll([.. _writes]);
        }
    }

    protected override void BeforeCall(string operation)
    {
        lock (_writes)
        {
            var key = TestCluster.Key(_random.Next(keyCount));
            var write = cluster.StartWrite(key, $"w{++_count}-{operation}");
            if (write is not null)
            {
                _writes.Add(write);
            }
        }
    }
}
