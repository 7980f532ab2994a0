using System.Net;
using System.Reflection;
using StackExchange.Redis;

namespace PredictiveSharding.Redis.Tests.Infrastructure;

/// <summary>
/// A multiplexer with no server behind it: <c>CLUSTER NODES</c> sent with <c>IServer.ExecuteAsync</c> to a node answers
/// the text given for its address, <c>CLUSTER COUNTKEYSINSLOT</c> answers 0 there, <c>INFO</c> answers an empty text
/// (no metrics), and a node with no text given does not
/// answer (as a connection failure); a node in <see cref="Hung"/> takes every command and never answers (as a master
/// that hangs, or whose host vanished without closing the connection). Only the calls <see cref="Cluster.RedisClusterAdmin.ReadViewAsync"/> and
/// <see cref="Inventory.RedisClusterInventory.CaptureAsync"/> make are supported.
/// </summary>
public class CannedNodesConnection : DispatchProxy
{
    private IReadOnlyDictionary<string, string> _nodes = null!;

    /// <summary>Every command sent, as "address command args".</summary>
    public List<string> Sent { get; } = [];

    /// <summary>Addresses that do not answer (as a connection failure), whatever text they were given.</summary>
    public HashSet<string> Down { get; } = [];

    /// <summary>Addresses whose commands never complete.</summary>
    public HashSet<string> Hung { get; } = [];

    /// <summary>Addresses that answer <c>CLUSTER NODES</c> and <c>INFO</c> but whose <c>CLUSTER COUNTKEYSINSLOT</c> never completes (a master that hangs mid-capture).</summary>
    public HashSet<string> HungOnCountKeys { get; } = [];

    public static (IConnectionMultiplexer Connection, CannedNodesConnection Canned) Create(IReadOnlyDictionary<string, string> nodesByAddress)
    {
        var connection = Create<IConnectionMultiplexer, CannedNodesConnection>();
        var canned = (CannedNodesConnection)(object)connection;
        canned._nodes = nodesByAddress;
        return (connection, canned);
    }

    internal Task<RedisResult> Execute(string address, string command, object[] args)
    {
        lock (Sent)
        {
            Sent.Add($"{address} {command} {string.Join(' ', args)}");
        }

        if (Down.Contains(address))
        {
            return Task.FromException<RedisResult>(new RedisConnectionException(ConnectionFailureType.SocketFailure, CommandFlags.None, $"{address} went down (canned by the test)"));
        }

        if (Hung.Contains(address))
        {
            return new TaskCompletionSource<RedisResult>(TaskCreationOptions.RunContinuationsAsynchronously).Task;
        }

        if (command == "CLUSTER" && args is ["NODES"] && _nodes.TryGetValue(address, out var text))
        {
            return Task.FromResult(RedisResult.Create((RedisValue)text));
        }

        if (command == "INFO" && _nodes.ContainsKey(address))
        {
            return Task.FromResult(RedisResult.Create((RedisValue)string.Empty));
        }

        // An empty cluster, for the inventory's key counts.
        if (command == "CLUSTER" && args is ["COUNTKEYSINSLOT", _] && _nodes.ContainsKey(address))
        {
            if (HungOnCountKeys.Contains(address))
            {
                return new TaskCompletionSource<RedisResult>(TaskCreationOptions.RunContinuationsAsynchronously).Task;
            }

            return Task.FromResult(RedisResult.Create((RedisValue)0));
        }

        return Task.FromException<RedisResult>(new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, $"{address} does not answer (canned by the test)"));
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        switch (targetMethod!.Name)
        {
            case nameof(IConnectionMultiplexer.GetEndPoints):
                return _nodes.Keys.Select(a => (EndPoint)IPEndPoint.Parse(a)).ToArray();
            case nameof(IConnectionMultiplexer.GetServer) when args is [IPAddress ip, int port, ..]:
                return CannedServer.Create(this, $"{ip}:{port}");
            case nameof(IConnectionMultiplexer.GetServer) when args is [string host, int port, ..]:
                return CannedServer.Create(this, $"{host}:{port}");
            default:
                throw new NotSupportedException($"CannedNodesConnection does not support {targetMethod.Name}.");
        }
    }
}
