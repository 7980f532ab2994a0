namespace PredictiveSharding.TestKit;

/// <summary>
/// Reports on the calling thread, so a test sees every report before the awaited call returns
/// (<see cref="Progress{T}"/> posts them to the thread pool, where they may arrive later).
/// </summary>
/// <typeparam name="T">The reported value.</typeparam>
/// <param name="report">Called with each report.</param>
public sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    /// <inheritdoc />
    public void Report(T value) => report(value);
}
