using System.Globalization;

namespace PredictiveSharding.Redis.Local;

/// <summary>Settings of <see cref="LocalRedisCluster"/>.</summary>
public sealed class LocalRedisClusterOptions
{
    /// <summary>The longest <see cref="NodeTimeout"/> taken.</summary>
    private static readonly TimeSpan MaxNodeTimeout = TimeSpan.FromHours(1);

    /// <summary>Masters to start, 3 to 16 (Redis Cluster needs at least 3). Default 3.</summary>
    public int Masters { get; set; } = 3;

    /// <summary>Where to start looking for free ports (each master takes a client port and that port + 10,000 for the cluster bus). Default 27000.</summary>
    public int FirstPort { get; set; } = 27000;

    /// <summary>The redis-server executable. Default <c>redis-server</c> (found on PATH).</summary>
    public string ServerPath { get; set; } = "redis-server";

    /// <summary>The redis-cli executable, used to create the cluster. Default <c>redis-cli</c>.</summary>
    public string CliPath { get; set; } = "redis-cli";

    /// <summary>The folder for node files and logs; null creates a new temporary folder, deleted on dispose. Default null.</summary>
    public string? Directory { get; set; }

    /// <summary><c>cluster-node-timeout</c>, from 100 ms to 1 hour. Default 5 s, so that a killed node is marked failed quickly.</summary>
    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long to wait for the servers to start and the cluster to report <c>cluster_state:ok</c>; positive, at most 1 day. Default 60 s.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Whether nodes keep an append-only file, synced on every write (<c>appendfsync always</c>), so a killed and restarted node keeps every acknowledged write. Default false.</summary>
    public bool AppendOnly { get; set; }

    /// <summary>
    /// A password every master requires of its clients (<c>requirepass</c>) and would give a master it replicates
    /// (<c>masterauth</c>); the servers read it from a configuration file only its owner can read (mode 0600, in the
    /// cluster's folder), never from their command line, which every user of the machine can see. It is put in
    /// <see cref="LocalRedisCluster.ConnectionString"/> and given to redis-cli in its environment. Printable
    /// ASCII without spaces, quotes, backslashes or commas (the connection string separates its options by commas). Null
    /// (the default) for no password.
    /// </summary>
    public string? Password { get; set; }

    /// <summary>Throws when a setting is out of range, naming it and its value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public void Validate()
    {
        if (Masters is < 3 or > 16)
        {
            throw Bad(nameof(Masters), Masters, "from 3 to 16");
        }

        if (FirstPort is < 1024 or > 55000)
        {
            throw Bad(nameof(FirstPort), FirstPort, "from 1024 to 55000 (the cluster bus uses port + 10000)");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(ServerPath, nameof(ServerPath));
        ArgumentException.ThrowIfNullOrWhiteSpace(CliPath, nameof(CliPath));
        // Bounded: a node timeout is how long a killed node goes unflagged, and this cluster is for tests and samples that
        // kill nodes and wait for the flag; an hour is past any of them (Redis's own default is 15 s), and without a bound
        // TimeSpan.MaxValue was handed to redis-server as 922337203685477 ms.
        if (NodeTimeout < TimeSpan.FromMilliseconds(100) || NodeTimeout > MaxNodeTimeout)
        {
            throw Bad(nameof(NodeTimeout), NodeTimeout, $"at least 100 ms and at most {MaxNodeTimeout}");
        }

        // Bounded: StartAsync and RestartAsync cancel after it with a timer, which refuses more than about 49 days with an
        // exception about a 'delay' that names no setting.
        if (StartTimeout <= TimeSpan.Zero || StartTimeout > TimeSpan.FromDays(1))
        {
            throw Bad(nameof(StartTimeout), StartTimeout, "positive and at most 1 day");
        }

        if (Password is not null && (Password.Length == 0 || !Password.All(c => c is > ' ' and < '\x7f' and not ('"' or '\'' or '\\' or ','))))
        {
            // The password itself is not repeated in the message: it would end up in logs.
            throw new ArgumentOutOfRangeException(nameof(Password), string.Create(CultureInfo.InvariantCulture, $"LocalRedisClusterOptions.Password must be null or printable ASCII without spaces, quotes, backslashes or commas; the one given ({Password.Length} characters) is not."));
        }
    }

    /// <summary>A copy, which the cluster keeps: the settings are read again long after it validated them.</summary>
    internal LocalRedisClusterOptions Copy() => (LocalRedisClusterOptions)MemberwiseClone();

    private static ArgumentOutOfRangeException Bad(string name, object value, string expected) =>
        new(name, value, string.Create(CultureInfo.InvariantCulture, $"LocalRedisClusterOptions.{name} must be {expected}; got {value}."));
}
