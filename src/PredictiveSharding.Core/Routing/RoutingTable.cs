namespace PredictiveSharding.Routing;

/// <summary>The default in-process <see cref="IRoutingTable"/>: an atomically swapped reference to an immutable map.</summary>
public sealed class RoutingTable : IRoutingTable
{
    // Held from the swap through the subscribers: concurrent publishers (the executor publishes parallel moves) would
    // otherwise deliver version N+1 to a subscriber before N, and one that keeps the map from its event ends on an old one.
    private readonly Lock _publishing = new();
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
    /// <remarks>
    /// Subscribers run synchronously on the publishing thread, in subscription order, after the new map is in force, and
    /// see the versions in order: a concurrent publish waits until this one's subscribers have run (so a subscriber must
    /// not wait for another thread's publish; a publish from inside a subscriber is delivered at once, before the rest of
    /// the current version's subscribers). A subscriber that throws does not stop the others; see <see cref="TryPublish"/>.
    /// </remarks>
    public event EventHandler<RoutingChangedEventArgs>? Changed;

    /// <inheritdoc />
    /// <exception cref="RoutingSubscriberException">
    /// The map WAS published, every <see cref="Changed"/> subscriber ran, and at least one of them threw; its
    /// <see cref="RoutingSubscriberException.Published"/> is <paramref name="successor"/> and its inner exception holds every
    /// subscriber failure. Treat the publish as done (as a return of <c>true</c>); do not retry it.
    /// </exception>
    public bool TryPublish(RoutingMap expected, RoutingMap successor)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(successor);
        if (successor.Version != expected.Version + 1)
        {
            throw new ArgumentException($"The next routing version must be {expected.Version + 1}; got {successor.Version}.", nameof(successor));
        }

        lock (_publishing)
        {
            if (!ReferenceEquals(Interlocked.CompareExchange(ref _current, successor, expected), expected))
            {
                return false;
            }

            return Notify(expected, successor);
        }
    }

    private bool Notify(RoutingMap expected, RoutingMap successor)
    {
        var handlers = Changed;
        if (handlers is null)
        {
            return true;
        }

        // Each subscriber on its own: one that throws must neither stop the others nor pass for a failed publish.
        var args = new RoutingChangedEventArgs(expected, successor);
        List<Exception>? failures = null;
        foreach (var handler in handlers.GetInvocationList())
        {
            try
            {
                ((EventHandler<RoutingChangedEventArgs>)handler)(this, args);
            }
            catch (Exception e)
            {
                (failures ??= []).Add(e);
            }
        }

        return failures is null ? true : throw new RoutingSubscriberException(successor, failures);
    }
}
