namespace PredictiveSharding.Routing;

/// <summary>Helpers over <see cref="IRoutingTable"/>.</summary>
public static class RoutingTableExtensions
{
    /// <summary>
    /// Applies the changes to the current map and publishes the result atomically, retrying when another
    /// writer published first. Returns the published map. With no changes nothing is published and the current map is
    /// returned: a new version of an identical map would only make every subscriber and every client keyed on the version
    /// refresh its routing for nothing. (<see cref="RoutingMap.Apply(RoutingChange[])"/> itself, which publishes nothing,
    /// still returns the next version.)
    /// </summary>
    /// <exception cref="ArgumentException">A change is invalid against the current map; nothing is published.</exception>
    /// <exception cref="RoutingSubscriberException">The map WAS published (it is the exception's
    /// <see cref="RoutingSubscriberException.Published"/>, what this method would have returned) but a
    /// <see cref="IRoutingTable.Changed"/> subscriber threw; every subscriber ran. Do not apply the changes again.</exception>
    public static RoutingMap Apply(this IRoutingTable table, params RoutingChange[] changes)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Length == 0)
        {
            return table.Current;
        }

        while (true)
        {
            var current = table.Current;
            var next = current.Apply(changes);
            if (table.TryPublish(current, next))
            {
                return next;
            }
        }
    }
}
