namespace PredictiveSharding.Routing;

/// <summary>Helpers over <see cref="IRoutingTable"/>.</summary>
public static class RoutingTableExtensions
{
    /// <summary>
    /// Applies the changes to the current map and publishes the result atomically, retrying when another
    /// writer published first. Returns the published map.
    /// </summary>
    /// <exception cref="ArgumentException">A change is invalid against the current map; nothing is published.</exception>
    public static RoutingMap Apply(this IRoutingTable table, params RoutingChange[] changes)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(changes);
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
