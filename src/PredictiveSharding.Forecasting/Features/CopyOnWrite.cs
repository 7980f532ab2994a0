namespace PredictiveSharding.Forecasting.Features;

/// <summary>
/// The forecasters' way of changing their state without a lock: build a new state from the one read, and publish it only
/// if no other writer (an update or a fit finishing meanwhile) replaced that state in between; otherwise build again on top
/// of the newer one, so no writer's change is lost and forecasts keep reading a complete state throughout.
/// </summary>
internal static class CopyOnWrite
{
    /// <summary>
    /// Publishes <paramref name="build"/>(<paramref name="read"/>) in <paramref name="location"/> if it still holds
    /// <paramref name="read"/>; otherwise calls <paramref name="build"/> again with what it holds now, until one publishes.
    /// <paramref name="build"/> may throw (bad input, cancellation): nothing is published then.
    /// </summary>
    public static void Publish<T>(ref T? location, T read, Func<T, T> build)
        where T : class
    {
        while (true)
        {
            var next = build(read);
            var current = Interlocked.CompareExchange(ref location, next, read);
            if (ReferenceEquals(current, read))
            {
                return;
            }

            // Null only if something cleared the state, which no forecaster does; build on it as on any newer state.
            read = current ?? throw new InvalidOperationException("The forecaster's state was cleared while an update ran.");
        }
    }
}
