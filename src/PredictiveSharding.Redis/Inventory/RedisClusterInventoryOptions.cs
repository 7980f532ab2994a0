using System.Globalization;

namespace PredictiveSharding.Redis.Inventory;

/// <summary>Settings of <see cref="RedisClusterInventory"/>: what a master can carry.</summary>
public sealed class RedisClusterInventoryOptions
{
    /// <summary>
    /// Requests one master can serve per load-recorder bucket (the unit the forecast and the planner use for
    /// <c>requests</c>). Required: measure it (e.g. <c>redis-benchmark</c> on the host) and scale to the bucket length.
    /// </summary>
    public double RequestCapacityPerBucket { get; set; }

    /// <summary>
    /// Memory a master may use, in bytes; null takes each master's <c>maxmemory</c>, and when that is 0 (unlimited) the
    /// nodes get no memory capacity. Default null.
    /// </summary>
    public long? MemoryCapacityBytes { get; set; }

    /// <summary>Region of each master by address (host:port); masters not listed have an unknown region. No region may be null.</summary>
    public IReadOnlyDictionary<string, string> Regions { get; set; } = new Dictionary<string, string>();

    /// <summary>
    /// How long each master has to answer the capture's <c>CLUSTER NODES</c>, <c>INFO</c> and, for each partition it serves,
    /// the <c>CLUSTER COUNTKEYSINSLOT</c> of the partition's slots (sent at once, so the last reply of a large partition
    /// must come within it too), from 1 ms to 1 minute.
    /// A master that does not answer in time (or refuses the connection) is treated like one flagged <c>fail</c>: it is not
    /// offered to the planner, and while it serves a partition the capture throws naming it (as it does when a master
    /// answers <c>INFO</c> and then not its key counts). It covers the seconds after a
    /// crash before the cluster flags the master (<c>cluster-node-timeout</c>), and bounds the capture's wait on a hung
    /// master below the multiplexer's own timeout. Keep it well above the masters' round-trip time under load (a busy master
    /// that answers late is left out for that cycle). Default 1 s.
    /// </summary>
    public TimeSpan ReachabilityTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Throws when a setting is out of range, naming it and its value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    /// <exception cref="ArgumentException"><see cref="Regions"/> is null or gives a master a null region.</exception>
    public void Validate()
    {
        if (!(RequestCapacityPerBucket > 0) || !double.IsFinite(RequestCapacityPerBucket))
        {
            throw Bad(nameof(RequestCapacityPerBucket), RequestCapacityPerBucket, "a positive, finite number of requests per bucket");
        }

        if (MemoryCapacityBytes is <= 0)
        {
            throw Bad(nameof(MemoryCapacityBytes), MemoryCapacityBytes, "positive, or null to use maxmemory");
        }

        if (ReachabilityTimeout < TimeSpan.FromMilliseconds(1) || ReachabilityTimeout > TimeSpan.FromMinutes(1))
        {
            throw Bad(nameof(ReachabilityTimeout), ReachabilityTimeout, "from 1 ms to 1 minute");
        }

        ArgumentNullException.ThrowIfNull(Regions, nameof(Regions));
        foreach (var (address, region) in Regions)
        {
            if (region is null)
            {
                // Found here, naming the master: at the capture it failed every cycle with an ArgumentNullException for
                // 'region' that named none.
                throw new ArgumentException($"RedisClusterInventoryOptions.Regions gives master '{address}' a null region; give its region, or leave the master out (unknown region).", nameof(Regions));
            }
        }
    }

    /// <summary>A copy (regions included), which the inventory keeps: the settings are read at every capture.</summary>
    internal RedisClusterInventoryOptions Copy()
    {
        var copy = (RedisClusterInventoryOptions)MemberwiseClone();
        // Null stays null for Validate to name; a dictionary keeps its comparer (a host may look addresses up ignoring case).
        copy.Regions = Regions switch
        {
            null => null!,
            Dictionary<string, string> dictionary => new Dictionary<string, string>(dictionary, dictionary.Comparer),
            _ => new Dictionary<string, string>(Regions),
        };
        return copy;
    }

    private static ArgumentOutOfRangeException Bad(string name, object? value, string expected) =>
        new(name, value, string.Create(CultureInfo.InvariantCulture, $"RedisClusterInventoryOptions.{name} must be {expected}; got {value}."));
}
