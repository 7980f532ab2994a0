namespace PredictiveSharding.Routing;

/// <summary>The default in-process <see cref="IRoutingTable"/>: an atomically swapped reference to an immutable map.</summary>
public sealed class RoutingTable : IRoutingTable
{
    private RoutingMap _current;

    /// <summary>Creates a table that starts at <paramref name="initial"/>.</summary>
    public RoutingTable(RoutingMap initial)
    {
        ArgumentNullException.ThrowIfNull(initial);
        _current = initial;
    }

    /// <inheritdoc />
    public RoutingMap Current => Volatile.Read(ref _current);

    /// <inheritdoc />
    public event EventHandler<RoutingChangedEventArgs>? Changed;

    /// <inheritdoc />
    public bool TryPublish(RoutingMap expected, RoutingMap successor)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(successor);
        if (successor.Version != expected.Version + 1)
        {
            throw new ArgumentException($"The next routing version must be {expected.Version + 1}; got {successor.Version}.", nameof(successor));
        }

        if (!ReferenceEquals(Interlocked.CompareExchange(ref _current, successor, expected), expected))
        {
            return false;
        }

        Changed?.Invoke(this, new RoutingChangedEventArgs(expected, successor));
        return true;
    }
}
