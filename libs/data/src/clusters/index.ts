export { kmeans, type KMeansOptions } from './kmeans.js';
export { assignTagClusters, clusterTags, embedTag, groupIds, type ClusterTagsOptions } from './tag-clusters.js';
export { defaultWordVectors, WordVectors } from './word-vectors.js';
