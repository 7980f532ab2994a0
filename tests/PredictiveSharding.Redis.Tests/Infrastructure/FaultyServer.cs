using System.Reflection;
using StackExchange.Redis;

namespace PredictiveSharding.Redis.Tests.Infrastructure;

/// <summary>The <see cref="IServer"/> side of <see cref="FaultyDumpConnection"/>.</summary>
public class FaultyServer : DispatchProxy
{
    private IServer _inner = null!;
    private FaultyDumpConnection _faults = null!;

    public static IServer Wrap(IServer inner, FaultyDumpConnection faults)
    {
        var server = Create<IServer, FaultyServer>();
        var proxy = (FaultyServer)(object)server;
        proxy._inner = inner;
        proxy._faults = faults;
        return server;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
        _faults.Intercept(_inner, targetMethod!, args) ?? FaultyDumpConnection.Forward(_inner, targetMethod!, args);
}
