using System.Reflection;
using StackExchange.Redis;

namespace PredictiveSharding.Redis.Tests.Infrastructure;

/// <summary>The <see cref="IServer"/> side of <see cref="CannedNodesConnection"/>.</summary>
public class CannedServer : DispatchProxy
{
    private CannedNodesConnection _connection = null!;
    private string _address = string.Empty;

    public static IServer Create(CannedNodesConnection connection, string address)
    {
        var server = Create<IServer, CannedServer>();
        var proxy = (CannedServer)(object)server;
        proxy._connection = connection;
        proxy._address = address;
        return server;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
        targetMethod!.Name == nameof(IServer.ExecuteAsync) && args is [string command, object[] arguments]
            ? _connection.Execute(_address, command, arguments)
            : throw new NotSupportedException($"CannedServer does not support {targetMethod.Name}.");
}
