using System.Globalization;
using System.Net;
using StackExchange.Redis;

namespace PredictiveSharding.Redis.Cluster;

/// <summary>
/// The cluster-administration commands the adapter sends, each to one named master through the host's multiplexer
/// (which must allow admin commands). Addresses are <c>host:port</c> as <c>CLUSTER NODES</c> prints them.
/// </summary>
internal sealed class RedisClusterAdmin
{
    private readonly IConnectionMultiplexer _connection;

    public RedisClusterAdmin(IConnectionMultiplexer connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
    }

    public IConnectionMultiplexer Connection => _connection;

    public static (string Host, int Port) Split(string address) =>
        TrySplit(address, out var host, out var port) ? (host, port) : throw new ArgumentException($"A node address must be host:port; got '{address}'.", nameof(address));

    /// <summary>Whether <paramref name="address"/> is host:port (a node Redis knows no address of is written <c>:0</c>).</summary>
    public static bool TrySplit(string address, out string host, out int port)
    {
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port))
        {
            host = string.Empty;
            port = 0;
            return false;
        }

        host = address[..colon];
        return true;
    }

    public IServer Server(string address)
    {
        var (host, port) = Split(address);
        return IPAddress.TryParse(host, out var ip) ? _connection.GetServer(ip, port) : _connection.GetServer(host, port);
    }

    public async Task<RedisResult> ExecuteAsync(string address, string command, object[] args, CancellationToken cancellationToken) =>
        await ExecuteAsync(address, command, args, answerTimeout: null, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Sends a command to one node. With <paramref name="answerTimeout"/>, a node that has not answered when it is over
    /// throws <see cref="TimeoutException"/> (see <see cref="IsUnreachable"/>) without waiting for the multiplexer's own
    /// timeout, which may be long or, with commands queued while disconnected, keep a crashed master's command waiting.
    /// </summary>
    public async Task<RedisResult> ExecuteAsync(string address, string command, object[] args, TimeSpan? answerTimeout, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var sent = Server(address).ExecuteAsync(command, args);
        try
        {
            return await (answerTimeout is { } timeout ? sent.WaitAsync(timeout, cancellationToken) : sent.WaitAsync(cancellationToken)).ConfigureAwait(false);
        }
        catch when (!sent.IsCompleted)
        {
            // Given up on: the multiplexer still completes it later, maybe with an error nobody would observe.
            _ = sent.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>Reads every master's own view; masters that do not answer are listed as unreachable.</summary>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <param name="answerTimeout">How long each node has to answer <c>CLUSTER NODES</c> before it counts as unreachable; null waits as long as the multiplexer does.</param>
    public async Task<ClusterView> ReadViewAsync(CancellationToken cancellationToken, TimeSpan? answerTimeout = null)
    {
        IReadOnlyList<ClusterNode>? listing = null;
        var candidates = _connection.GetEndPoints().Select(Format).ToList();
        Exception? last = null;
        foreach (var address in candidates)
        {
            try
            {
                listing = await NodesAsync(address, answerTimeout, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (Exception e) when (IsUnreachable(e))
            {
                last = e;
            }
        }

        if (listing is null)
        {
            throw new InvalidOperationException($"No node of the cluster answered CLUSTER NODES (tried {string.Join(", ", candidates)}).", last);
        }

        // A master Redis knows no address of (noaddr, ":0") can be sent nothing; ClusterView leaves it out too. The masters
        // are asked at once, so a master that does not answer holds the view up for one timeout, not one per master.
        var masters = listing.Where(n => n.IsMaster && n.HasAddress).Select(n => n.Address).ToList();
        var own = await Task.WhenAll(masters.Select(address => OwnLineAsync(address, answerTimeout, cancellationToken))).ConfigureAwait(false);
        var self = new Dictionary<string, ClusterNode>(StringComparer.Ordinal);
        var unreachable = new List<string>();
        for (var i = 0; i < masters.Count; i++)
        {
            if (own[i].Unreachable)
            {
                unreachable.Add(masters[i]);
            }
            else if (own[i].Line is { } line)
            {
                self[masters[i]] = line;
            }
        }

        return new ClusterView(listing, self, unreachable);
    }

    private async Task<(bool Unreachable, ClusterNode? Line)> OwnLineAsync(string address, TimeSpan? answerTimeout, CancellationToken cancellationToken)
    {
        try
        {
            return (false, (await NodesAsync(address, answerTimeout, cancellationToken).ConfigureAwait(false)).FirstOrDefault(n => n.IsMyself));
        }
        catch (Exception e) when (IsUnreachable(e))
        {
            return (true, null);
        }
    }

    public Task<IReadOnlyList<ClusterNode>> NodesAsync(string address, CancellationToken cancellationToken) =>
        NodesAsync(address, answerTimeout: null, cancellationToken);

    public async Task<IReadOnlyList<ClusterNode>> NodesAsync(string address, TimeSpan? answerTimeout, CancellationToken cancellationToken)
    {
        var result = await ExecuteAsync(address, "CLUSTER", ["NODES"], answerTimeout, cancellationToken).ConfigureAwait(false);
        return ClusterNodesParser.Parse(Text(result));
    }

    public Task SetSlotImportingAsync(string address, int slot, string sourceId, CancellationToken cancellationToken) =>
        ExecuteAsync(address, "CLUSTER", ["SETSLOT", slot, "IMPORTING", sourceId], cancellationToken);

    public Task SetSlotMigratingAsync(string address, int slot, string targetId, CancellationToken cancellationToken) =>
        ExecuteAsync(address, "CLUSTER", ["SETSLOT", slot, "MIGRATING", targetId], cancellationToken);

    public Task SetSlotNodeAsync(string address, int slot, string ownerId, CancellationToken cancellationToken) =>
        ExecuteAsync(address, "CLUSTER", ["SETSLOT", slot, "NODE", ownerId], cancellationToken);

    public Task SetSlotStableAsync(string address, int slot, CancellationToken cancellationToken) =>
        ExecuteAsync(address, "CLUSTER", ["SETSLOT", slot, "STABLE"], cancellationToken);

    public Task<long> CountKeysInSlotAsync(string address, int slot, CancellationToken cancellationToken) =>
        CountKeysInSlotAsync(address, slot, answerTimeout: null, cancellationToken);

    public async Task<long> CountKeysInSlotAsync(string address, int slot, TimeSpan? answerTimeout, CancellationToken cancellationToken) =>
        (long)await ExecuteAsync(address, "CLUSTER", ["COUNTKEYSINSLOT", slot], answerTimeout, cancellationToken).ConfigureAwait(false);

    public async Task<RedisKey[]> GetKeysInSlotAsync(string address, int slot, int count, CancellationToken cancellationToken) =>
        (RedisKey[]?)await ExecuteAsync(address, "CLUSTER", ["GETKEYSINSLOT", slot, count], cancellationToken).ConfigureAwait(false) ?? [];

    /// <summary>
    /// MIGRATE host port "" 0 timeout [REPLACE] [AUTH password | AUTH2 user password] KEYS k1 k2 …; true when keys moved,
    /// false for NOKEY (none left). The source opens its own connection to the target, so it authenticates with the
    /// credentials the host's connection was configured with (see <see cref="Credentials"/>).
    /// </summary>
    public async Task<bool> MigrateAsync(string source, string target, IReadOnlyList<RedisKey> keys, int timeoutMilliseconds, bool replace, CancellationToken cancellationToken)
    {
        var (host, port) = Split(target);
        var args = new List<object>(keys.Count + 11) { host, port, string.Empty, 0, timeoutMilliseconds };
        if (replace)
        {
            args.Add("REPLACE");
        }

        var (user, password) = Credentials();
        if (!string.IsNullOrEmpty(user))
        {
            // An ACL user with nopass accepts any password; MIGRATE's AUTH2 needs one written all the same.
            args.AddRange(["AUTH2", user, password ?? string.Empty]);
        }
        else if (!string.IsNullOrEmpty(password))
        {
            args.AddRange(["AUTH", password]);
        }

        args.Add("KEYS");
        foreach (var key in keys)
        {
            args.Add(key);
        }

        var result = await ExecuteAsync(source, "MIGRATE", [.. args], cancellationToken).ConfigureAwait(false);
        return !string.Equals((string?)result, "NOKEY", StringComparison.Ordinal);
    }

    /// <summary>
    /// The user and password the host's connection authenticates with (<see cref="ConfigurationOptions.User"/> and
    /// <see cref="ConfigurationOptions.Password"/>), read from its configuration at each call so that credentials the
    /// host rotates on its options are followed. Null for either when the connection was given none.
    /// </summary>
    /// <remarks>
    /// <see cref="IConnectionMultiplexer"/> exposes its options only as <see cref="IConnectionMultiplexer.Configuration"/>,
    /// the configuration string, which carries both (StackExchange.Redis writes the password there so that the string can
    /// connect again). Every master of a cluster requires the same credentials of its clients, so these are the target's.
    /// </remarks>
    public (string? User, string? Password) Credentials()
    {
        var options = ConfigurationOptions.Parse(_connection.Configuration);
        return (options.User, options.Password);
    }

    /// <summary>
    /// <c>CLUSTER INFO</c>'s <c>cluster_current_epoch</c> (the highest epoch the node has heard of) and
    /// <c>cluster_my_epoch</c> (its own configuration epoch).
    /// </summary>
    public async Task<(long CurrentEpoch, long MyEpoch)> EpochsAsync(string address, CancellationToken cancellationToken)
    {
        var text = Text(await ExecuteAsync(address, "CLUSTER", ["INFO"], cancellationToken).ConfigureAwait(false));
        return (Field(text, "cluster_current_epoch"), Field(text, "cluster_my_epoch"));

        static long Field(string text, string name)
        {
            foreach (var line in text.Split('\n'))
            {
                var trimmed = line.TrimEnd('\r');
                if (trimmed.Length > name.Length && trimmed.StartsWith(name, StringComparison.Ordinal) && trimmed[name.Length] == ':' &&
                    long.TryParse(trimmed.AsSpan(name.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
                {
                    return value;
                }
            }

            throw new InvalidOperationException($"CLUSTER INFO did not report {name}.");
        }
    }

    /// <summary><c>CLUSTER BUMPEPOCH</c>: the node takes a configuration epoch above every one it knows, unless it holds the highest already.</summary>
    public Task BumpEpochAsync(string address, CancellationToken cancellationToken) =>
        ExecuteAsync(address, "CLUSTER", ["BUMPEPOCH"], cancellationToken);

    public async Task<string> InfoAsync(string address, string section, TimeSpan? answerTimeout, CancellationToken cancellationToken) =>
        Text(await ExecuteAsync(address, "INFO", [section], answerTimeout, cancellationToken).ConfigureAwait(false));

    /// <summary>A bulk or verbatim string's text; RESP3 sends CLUSTER NODES and INFO as verbatim strings prefixed "txt:".</summary>
    public static string Text(RedisResult result)
    {
        var text = (string?)result ?? string.Empty;
        return result?.Resp3Type == ResultType.VerbatimString && text.Length >= 4 && text[3] == ':' ? text[4..] : text;
    }

    public async Task<string> MyIdAsync(string address, CancellationToken cancellationToken) =>
        Text(await ExecuteAsync(address, "CLUSTER", ["MYID"], cancellationToken).ConfigureAwait(false));

    public async Task<bool> IsReachableAsync(string address, CancellationToken cancellationToken)
    {
        try
        {
            await ExecuteAsync(address, "PING", [], cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (IsUnreachable(e))
        {
            return false;
        }
    }

    /// <summary>Connection failures and timeouts: the node is down or cut off, not refusing the command.</summary>
    public static bool IsUnreachable(Exception e) =>
        e is RedisConnectionException or RedisTimeoutException or TimeoutException or System.Net.Sockets.SocketException;

    public static string Format(EndPoint endPoint) => endPoint switch
    {
        IPEndPoint ip => string.Create(CultureInfo.InvariantCulture, $"{ip.Address}:{ip.Port}"),
        DnsEndPoint dns => string.Create(CultureInfo.InvariantCulture, $"{dns.Host}:{dns.Port}"),
        _ => endPoint.ToString() ?? string.Empty,
    };
}
