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
    bool TryPublish(RoutingMap expected, RoutingMap successor);

    /// <summary>Raised after a new version is published.</summary>
    event EventHandler<RoutingChangedEventArgs>? Changed;
}
