namespace PredictiveSharding.Routing;

/// <summary>
/// The current routing map of a cluster. Readers take <see cref="Current"/> once per request and use that one
/// consistent version; writers publish a new version with a compare-and-swap.
/// </summary>
public interface IRoutingTable
{
    /// <summary>The current routing map. Reading it is a single volatile read.</summary>
    RoutingMap Current { get; }

    /// <summary>
    /// Publishes <paramref name="successor"/> if the current map is still <paramref name="expected"/>; returns false
    /// (and changes nothing) when another writer published first.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="successor"/>'s version is not <paramref name="expected"/>'s plus one.</exception>
    /// <exception cref="RoutingSubscriberException">The map WAS published but a <see cref="Changed"/> subscriber threw (every
    /// subscriber still ran); the publish is done, as if <c>true</c> had been returned (the default <see cref="RoutingTable"/>).</exception>
    bool TryPublish(RoutingMap expected, RoutingMap successor);

    /// <summary>
    /// Raised after a new version is published. A subscriber that throws does not undo the publish nor stop the other
    /// subscribers; the default <see cref="RoutingTable"/> reports the failures after all ran with a
    /// <see cref="RoutingSubscriberException"/> from <see cref="TryPublish"/>.
    /// </summary>
    event EventHandler<RoutingChangedEventArgs>? Changed;
}
