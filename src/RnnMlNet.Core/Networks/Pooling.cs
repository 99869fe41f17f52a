namespace RnnMlNet;

/// <summary>How a many-to-one network turns the last layer's states into one vector for its output layer.</summary>
public enum Pooling
{
    /// <summary>The final hidden state of each direction (the teaching form): h_T forward, h_1 backward.</summary>
    Last,

    /// <summary>The mean of the outputs over the sequence's steps.</summary>
    Mean,

    /// <summary>The largest value of each unit over the sequence's steps.</summary>
    Max,

    /// <summary>A weighted mean of the outputs, the weights a softmax over the steps of a learned query's dot products (Lin et al. 2017, with one query).</summary>
    Attention,
}
