namespace PredictiveSharding.Execution.Tests;

/// <summary>An IProgress that records synchronously (Progress&lt;T&gt; posts to the thread pool, which would race the assertions).</summary>
internal sealed class ListProgress<T> : IProgress<T>
{
    private readonly List<T> _items = [];

    public IReadOnlyList<T> Items
    {
        get
        {
            lock (_items)
            {
                return [.. _items];
            }
        }
    }

    public void Report(T value)
    {
        lock (_items)
        {
            _items.Add(value);
        }
    }
}
