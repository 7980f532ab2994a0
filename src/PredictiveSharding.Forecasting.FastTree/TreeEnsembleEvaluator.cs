using Microsoft.ML.Trainers.FastTree;

namespace PredictiveSharding.Forecasting.Baselines;

/// <summary>
/// Evaluates a trained FastTree regression ensemble directly from its public trees (bias + Σ weight·leaf, as
/// <see cref="TreeEnsemble{T}.Trees"/> documents): thread-safe and allocation-free, unlike a PredictionEngine, which
/// the multi-step forecast would call once per series and step.
/// </summary>
internal sealed class TreeEnsembleEvaluator
{
    private readonly int[][] _left;
    private readonly int[][] _right;
    private readonly int[][] _feature;
    private readonly float[][] _threshold;
    private readonly double[][] _leaf;
    private readonly double[] _weights;
    private readonly double _bias;

    public TreeEnsembleEvaluator(RegressionTreeEnsemble ensemble)
    {
        ArgumentNullException.ThrowIfNull(ensemble);
        var trees = ensemble.Trees;
        _left = new int[trees.Count][];
        _right = new int[trees.Count][];
        _feature = new int[trees.Count][];
        _threshold = new float[trees.Count][];
        _leaf = new double[trees.Count][];
        for (var i = 0; i < trees.Count; i++)
        {
            var tree = trees[i];
            foreach (var categorical in tree.CategoricalSplitFlags)
            {
                if (categorical)
                {
                    throw new NotSupportedException("The ensemble has a categorical split; the forecaster's features are all numeric and are trained without categorical splits.");
                }
            }

            _left[i] = [.. tree.LeftChild];
            _right[i] = [.. tree.RightChild];
            _feature[i] = [.. tree.NumericalSplitFeatureIndexes];
            _threshold[i] = [.. tree.NumericalSplitThresholds];
            _leaf[i] = [.. tree.LeafValues];
        }

        _weights = [.. ensemble.TreeWeights];
        _bias = ensemble.Bias;
    }

    public double Predict(ReadOnlySpan<float> features)
    {
        var sum = _bias;
        for (var t = 0; t < _leaf.Length; t++)
        {
            var left = _left[t];
            var right = _right[t];
            var feature = _feature[t];
            var threshold = _threshold[t];

            // A tree of one leaf has no nodes; otherwise walk from the root until a (negative, complemented) leaf index.
            var node = left.Length == 0 ? -1 : 0;
            while (node >= 0)
            {
                node = features[feature[node]] <= threshold[node] ? left[node] : right[node];
            }

            sum += _weights[t] * _leaf[t][~node];
        }

        return sum;
    }
}
