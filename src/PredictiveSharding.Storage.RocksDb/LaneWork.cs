using System.Runtime.ExceptionServices;

namespace PredictiveSharding.Storage.RocksDb;

/// <summary>Runs one piece of work per lane of a copy or scan: lane 0 on the calling thread, the others on the thread pool.</summary>
internal static class LaneWork
{
    /// <summary>
    /// Runs <paramref name="work"/> for lanes 0 … <paramref name="lanes"/> − 1 and returns their results in lane order.
    /// Every lane is awaited even after one fails, so none is still using its iterator or file when the caller releases
    /// them; lane 0's error is the one reported, else the first other lane's.
    /// </summary>
    public static async ValueTask<T[]> RunAsync<T>(int lanes, Func<int, T> work)
    {
        var results = new T[lanes];
        var others = new Task[lanes - 1];
        for (var i = 1; i < lanes; i++)
        {
            var lane = i;
            others[i - 1] = Task.Run(() => results[lane] = work(lane), CancellationToken.None);
        }

        Exception? inlineError = null;
        try
        {
            results[0] = work(0);
        }
        catch (Exception ex)
        {
            inlineError = ex;
        }

        try
        {
            await Task.WhenAll(others).ConfigureAwait(false);
        }
        catch (Exception) when (inlineError is not null)
        {
            // Lane 0's error is the one reported; the others' are of the same step.
        }

        if (inlineError is not null)
        {
            ExceptionDispatchInfo.Throw(inlineError);
        }

        return results;
    }
}
