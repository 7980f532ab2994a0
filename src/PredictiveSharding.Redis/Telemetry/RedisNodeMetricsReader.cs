using System.Globalization;
using PredictiveSharding.Redis.Cluster;
using PredictiveSharding.Topology;
using StackExchange.Redis;

namespace PredictiveSharding.Redis.Telemetry;

/// <summary>
/// Reads node resource metrics from every master's <c>INFO</c> (CPU, memory, keys, ops/s, network) and turns the
/// cumulative counters into rates between consecutive readings.
/// </summary>
public sealed class RedisNodeMetricsReader
{
    private readonly RedisClusterAdmin _admin;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, (long Timestamp, double CpuSeconds, long Commands)> _previous = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Creates a reader over a multiplexer connected to the cluster (admin commands allowed).</summary>
    public RedisNodeMetricsReader(IConnectionMultiplexer connection, TimeProvider? timeProvider = null)
    {
        _admin = new RedisClusterAdmin(connection);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Reads every reachable master, ordered by address; unreachable masters are left out.</summary>
    public async Task<IReadOnlyList<RedisNodeMetrics>> ReadAsync(CancellationToken cancellationToken) =>
        await ReadAsync(await _admin.ReadViewAsync(cancellationToken).ConfigureAwait(false), answerTimeout: null, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Reads every master of <paramref name="view"/> that answered it, ordered by address; a master that does not answer
    /// <c>INFO</c> within <paramref name="answerTimeout"/> (null: the multiplexer's timeout) is left out. The masters are
    /// asked at once.
    /// </summary>
    internal async Task<IReadOnlyList<RedisNodeMetrics>> ReadAsync(ClusterView view, TimeSpan? answerTimeout, CancellationToken cancellationToken)
    {
        var masters = view.Masters.Where(m => !view.Unreachable.Contains(m.Address)).Select(m => m.Address).ToList();
        var infos = await Task.WhenAll(masters.Select(async address =>
        {
            try
            {
                return await _admin.InfoAsync(address, "default", answerTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (RedisClusterAdmin.IsUnreachable(e))
            {
                return null;
            }
        })).ConfigureAwait(false);

        var result = new List<RedisNodeMetrics>(masters.Count);
        for (var i = 0; i < masters.Count; i++)
        {
            if (infos[i] is { } info)
            {
                result.Add(Parse(masters[i], info));
            }
        }

        return result;
    }

    internal RedisNodeMetrics Parse(string address, string info)
    {
        var fields = ParseInfo(info);
        var now = _time.GetTimestamp();
        var cpuSeconds = Number(fields, "used_cpu_sys") + Number(fields, "used_cpu_user");
        var commands = (long)Number(fields, "total_commands_processed");
        double cpu = 0;
        var ops = Number(fields, "instantaneous_ops_per_sec");
        lock (_gate)
        {
            if (_previous.TryGetValue(address, out var previous))
            {
                var seconds = _time.GetElapsedTime(previous.Timestamp, now).TotalSeconds;
                if (seconds > 0)
                {
                    cpu = Math.Clamp((cpuSeconds - previous.CpuSeconds) / seconds, 0, 1);
                    ops = Math.Max(0, commands - previous.Commands) / seconds;
                }
            }

            _previous[address] = (now, cpuSeconds, commands);
        }

        return new RedisNodeMetrics(
            new NodeId(address),
            _time.GetUtcNow(),
            cpu,
            (long)Number(fields, "used_memory"),
            (long)Number(fields, "used_memory_dataset"),
            (long)Number(fields, "maxmemory"),
            KeysInDb0(fields),
            commands,
            ops,
            (Number(fields, "instantaneous_input_kbps") + Number(fields, "instantaneous_output_kbps")) * 1024);
    }

    internal static Dictionary<string, string> ParseInfo(string info)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in info.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                fields[line[..colon]] = line[(colon + 1)..];
            }
        }

        return fields;
    }

    private static double Number(Dictionary<string, string> fields, string name) =>
        fields.TryGetValue(name, out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : 0;

    private static long KeysInDb0(Dictionary<string, string> fields)
    {
        // db0:keys=123,expires=0,avg_ttl=0
        if (!fields.TryGetValue("db0", out var db))
        {
            return 0;
        }

        foreach (var part in db.Split(','))
        {
            if (part.StartsWith("keys=", StringComparison.Ordinal) && long.TryParse(part.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var keys))
            {
                return keys;
            }
        }

        return 0;
    }
}
